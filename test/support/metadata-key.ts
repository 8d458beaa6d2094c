// The key test PR bodies are signed with, as the service derives one from its webhook secret.

import { MetadataKey } from "../../src/gitops/metadata.js";

export const TEST_METADATA_SECRET = "test-metadata-secret";
export const TEST_KEY = new MetadataKey(TEST_METADATA_SECRET);
