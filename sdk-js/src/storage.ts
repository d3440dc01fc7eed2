/**
 * Storage namespaced per app (`chainless:<appId>:<key>`), JSON values, with a size limit per
 * app so one mini-program cannot fill the origin's quota for the others. Asynchronous, so the
 * backend can move into the host without changing callers.
 */
import { ChainlessError, ErrorCode } from "./errors.js";

export const DEFAULT_STORAGE_LIMIT_BYTES = 512 * 1024;
const MAX_KEY_LENGTH = 256;

export interface StorageOptions {
  /** Bytes (UTF-16, as browsers count) for all of the app's keys and values. */
  limitBytes?: number;
  /** Default `localStorage`. */
  backend?: Storage;
}

export interface AppStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
  keys(): Promise<string[]>;
  clear(): Promise<void>;
  /** Bytes used and the limit. */
  usage(): Promise<{ used: number; limit: number }>;
}

export function createStorage(appId: string, options: StorageOptions = {}): AppStorage {
  const prefix = `chainless:${appId}:`;
  const limit = options.limitBytes ?? DEFAULT_STORAGE_LIMIT_BYTES;
  const backend = (): Storage => {
    try {
      const store = options.backend ?? globalThis.localStorage;
      if (store) return store;
    } catch {
      // a sandboxed iframe without allow-same-origin throws on access
    }
    throw new ChainlessError(ErrorCode.StorageUnavailable, "storage is not available in this page");
  };
  const checkKey = (key: string): string => {
    if (typeof key !== "string" || !key || key.length > MAX_KEY_LENGTH) {
      throw new ChainlessError(ErrorCode.InvalidParams, `a storage key is a string of 1–${MAX_KEY_LENGTH} characters`);
    }
    return prefix + key;
  };
  const ownKeys = (store: Storage): string[] => {
    const keys: string[] = [];
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
    return keys;
  };
  const bytes = (key: string, value: string | null): number => (value === null ? 0 : (key.length + value.length) * 2);
  const used = (store: Storage): number => ownKeys(store).reduce((sum, key) => sum + bytes(key, store.getItem(key)), 0);

  return {
    async get<T>(key: string) {
      const raw = backend().getItem(checkKey(key));
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw) as T;
      } catch {
        throw new ChainlessError(ErrorCode.StorageUnavailable, `the stored value of ${key} is not JSON (written outside the SDK?)`);
      }
    },
    async set(key, value) {
      const full = checkKey(key);
      const raw = JSON.stringify(value);
      if (raw === undefined) throw new ChainlessError(ErrorCode.InvalidParams, "the value cannot be stored as JSON");
      const store = backend();
      const after = used(store) - bytes(full, store.getItem(full)) + bytes(full, raw);
      if (after > limit) {
        throw new ChainlessError(ErrorCode.StorageQuota, `storage limit of ${limit} bytes reached (would be ${after})`, {
          limit,
          needed: after,
        });
      }
      try {
        store.setItem(full, raw);
      } catch (error) {
        throw new ChainlessError(ErrorCode.StorageUnavailable, `the browser refused to store ${key}: ${String(error)}`);
      }
    },
    async remove(key) {
      backend().removeItem(checkKey(key));
    },
    async keys() {
      return ownKeys(backend()).map((key) => key.slice(prefix.length));
    },
    async clear() {
      const store = backend();
      for (const key of ownKeys(store)) store.removeItem(key);
    },
    async usage() {
      return { used: used(backend()), limit };
    },
  };
}
