/** A small typed event emitter: `on` returns the function that unsubscribes. */

export type Listener<T> = (payload: T) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.listeners.get(type)?.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        // one faulty listener must not stop the others
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Events of the host and the page, delivered by `sdk.on(type, listener)`. */
export interface HostEvents {
  /** The page was hidden or shown (host or `document.visibilitychange`). */
  visibility: { visible: boolean };
  /** The device went on- or offline. */
  network: { online: boolean };
  /** EIP-1193 `accountsChanged`. */
  accountsChanged: string[];
  /** EIP-1193 `chainChanged` (hex chain id). */
  chainChanged: string;
  /** EIP-1193 `connect`. */
  connect: { chainId: string };
  /** EIP-1193 `disconnect`. */
  disconnect: { code: number; message: string };
}
