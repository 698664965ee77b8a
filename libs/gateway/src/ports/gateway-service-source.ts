import { Injectable } from '@nestjs/common';

/** One READY replica of a service, as APISIX should reach it. */
export interface GatewayServiceNode {
  host: string;
  port: number;
  weight?: number;
}

/**
 * A service endpoint the gateway publishes: requests to `/services/<name>/...` go to its
 * ready replicas (the prefix stripped), authenticated and rate limited like the API.
 */
export interface GatewayService {
  /** Stable id (the serving context's service id); `[a-zA-Z0-9-_.]`, at most 40 characters. */
  id: string;
  /** URL-safe name: the path prefix `/services/<name>/`. */
  name: string;
  nodes: GatewayServiceNode[];
  /** The replicas' readiness path, probed by APISIX's active health check (default `/`). */
  readinessPath?: string;
}

/** Where services come from: the serving context registers one (a port it binds later). */
export interface GatewayServiceSource {
  /** Every service that should be reachable now (with its READY replicas; none is fine). */
  listServices(): Promise<GatewayService[]>;
}

/**
 * The gateway's port for contexts above it in the app (serving sits below gateway in the
 * dependency order, so the app, or serving's module through this class exported from the
 * gateway's index, registers sources here). `changed()` asks for a sync now instead of at the
 * next tick, e.g. when a replica turns READY.
 *
 * @example
 * registry.register({ listServices: () => services.readyEndpoints() });
 * registry.changed();
 */
@Injectable()
export class GatewayServiceRegistry {
  private readonly sources: GatewayServiceSource[] = [];
  private readonly listeners = new Set<() => void>();

  register(source: GatewayServiceSource): () => void {
    this.sources.push(source);
    this.changed();
    return () => {
      const i = this.sources.indexOf(source);
      if (i >= 0) this.sources.splice(i, 1);
      this.changed();
    };
  }

  async listServices(): Promise<GatewayService[]> {
    const all = await Promise.all(this.sources.map((s) => s.listServices()));
    return all.flat();
  }

  changed(): void {
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
