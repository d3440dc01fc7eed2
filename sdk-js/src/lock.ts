/**
 * "Only one tab at a time": the token refresh runs under an exclusive Web Lock
 * (https://w3c.github.io/web-locks/) named per app, so tabs sharing one refresh token never
 * present it twice (the server revokes the whole family on reuse, docs/oauth.md "Tokens").
 */

export type ExclusiveLock = <T>(name: string, task: () => Promise<T>) => Promise<T>;

export interface LockManagerLike {
  request<T>(name: string, options: { mode: "exclusive" }, task: () => Promise<T>): Promise<T>;
}

/** Web Locks when the browser has them, else a lock within this page only. */
export function defaultLock(): ExclusiveLock {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  return locks ? webLock(locks) : pageLock();
}

export function webLock(locks: LockManagerLike): ExclusiveLock {
  return (name, task) => locks.request(name, { mode: "exclusive" }, task);
}

/**
 * Serialises within one page. Without Web Locks (browsers before 2022) two tabs can still race;
 * the server honours a reused refresh token within its 10 s grace window, which covers that.
 */
export function pageLock(): ExclusiveLock {
  const tails = new Map<string, Promise<unknown>>();
  return (name, task) => {
    const run = (tails.get(name) ?? Promise.resolve()).then(task, task);
    tails.set(name, run.catch(() => undefined));
    return run;
  };
}
