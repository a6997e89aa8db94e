// A bounded LRU of Cedar verdicts for one prepared policy set. A Cedar decision is a pure
// function of (policy set, request), and the action plus slim request is the key, so a hit is
// exactly what Cedar would answer again; the cache belongs to its set and is dropped with it on
// reload. Slim requests hold only what the policies observe, and agents repeat themselves, so
// most verdicts are hits: a JSON key and a Map lookup instead of a wasm round trip.
export class DecisionCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key); // refresh: Map iteration order is insertion order
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
