// A bounded LRU of call decisions for one prepared policy set. A Cedar decision is a pure
// function of (policy set, request), and the slim request is the key, so a hit is exactly what
// Cedar would answer again; the cache belongs to its set and is dropped with it on reload.
// Agents repeat themselves (the same human, tool and consent, call after call), so most
// decisions are hits: a JSON key and a Map lookup instead of two wasm round trips.
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
