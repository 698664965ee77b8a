import type { ManagedResource } from '../core/apisix-config';
import type { StoredObject } from '../core/drift';

/** The APISIX Admin API v3 as the reconciler needs it (one adapter; tests use the fake server). */
export interface ApisixAdmin {
  /** Every object of a resource (all pages). */
  list(resource: ManagedResource): Promise<StoredObject[]>;
  /** Create or fully replace (PUT `/{resource}/{id}`). */
  put(resource: ManagedResource, id: string, body: Record<string, unknown>): Promise<void>;
  /** Delete; a missing object is not an error (someone deleted it first). */
  delete(resource: ManagedResource, id: string): Promise<void>;
}

export const APISIX_ADMIN = Symbol('APISIX_ADMIN');

/** APISIX answered with an error (`error_msg`), or could not be reached. */
export class ApisixAdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApisixAdminError';
  }
}
