import { describeDatastoreConformance } from '../../src/testing/index.js';
import { MemoryDatastore } from '../../src/index.js';

// The assertions live in the shared suite (packages/core/src/testing/conformance/), run here
// against the in-memory store exactly as against every SQL dialect.
describeDatastoreConformance('memory', async (testHooks) => ({
  store: new MemoryDatastore({ testHooks }),
  cleanup: async () => {},
}));
