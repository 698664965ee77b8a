import { Injectable } from '@nestjs/common';
import { OrderBook } from '../core';

interface Cached {
  book: OrderBook;
  version: number;
}

/**
 * The in-memory books of this process, each valid for one version of its `market_books` row,
 * and a queue per book so one operation at a time touches it here (the row lock does the same
 * across replicas).
 */
@Injectable()
export class BookCache {
  private readonly books = new Map<string, Cached>();
  private readonly queues = new Map<string, Promise<unknown>>();

  get(key: string, version: number): OrderBook | null {
    const c = this.books.get(key);
    return c && c.version === version ? c.book : null;
  }

  set(key: string, book: OrderBook, version: number): void {
    this.books.set(key, { book, version });
  }

  /** After a failed operation the book may hold what the database rolled back: rebuild it. */
  drop(key: string): void {
    this.books.delete(key);
  }

  serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}

export const bookKey = (zone: string, instanceType: string): string =>
  `${zone}\u0000${instanceType}`;
