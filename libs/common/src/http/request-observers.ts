import { Injectable, Logger, Module } from '@nestjs/common';
import type { Request, Response } from 'express';

/** Called once per request when its response is done; must be quick and must not throw. */
export type RequestObserver = (req: Request, res: Response, durationMs: number) => void;

/**
 * What wants to see every finished request (metrics, the api_requests meter) registers here
 * instead of adding a middleware of its own: the front middleware of `configureHttpApp` keeps
 * one listener per request and calls each observer from it. Observers run only for responses
 * that were sent in full.
 */
@Injectable()
export class RequestObservers {
  private readonly logger = new Logger(RequestObservers.name);
  private readonly observers: RequestObserver[] = [];

  add(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  notify(req: Request, res: Response, durationMs: number): void {
    for (const observe of this.observers) {
      try {
        observe(req, res, durationMs);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'request observer failed');
      }
    }
  }
}

/** Imported by each module with an observer (one instance per app: Nest shares static modules). */
@Module({ providers: [RequestObservers], exports: [RequestObservers] })
export class RequestObserversModule {}
