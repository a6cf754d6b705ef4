import { describeDatastoreConformance } from '../../src/testing/index.js';
import { MemoryDatastore } from '../../src/index.js';

describeDatastoreConformance('memory', async () => ({ store: new MemoryDatastore(), cleanup: async () => {} }));
