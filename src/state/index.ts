// Picks the Store: Redis when a URL is configured, otherwise in-memory (one process, lost on restart,
// which the PR metadata block makes harmless).

import { MemoryStore } from "./memory.js";
import { RedisStore, type RedisStoreOptions } from "./redis.js";
import type { Store } from "./types.js";

export async function createStore(redisUrl?: string, options?: RedisStoreOptions): Promise<Store> {
  return redisUrl ? RedisStore.connect(redisUrl, options) : new MemoryStore();
}
