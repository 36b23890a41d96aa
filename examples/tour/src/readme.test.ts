// The README's code is the tour's code: every TypeScript block in the root README (and in the guide from
// prom-client) is preceded by a marker naming the region of a tour file it shows
// (`<!-- example: examples/tour/src/labels.ts#labels -->`), and must equal it, so that no snippet can stop
// compiling or running without a test saying so. tour.test.ts runs those files.
import { join } from 'node:path';
import { describeReadmeExamples } from '@pytheus/test-support';

describeReadmeExamples({
  root: join(import.meta.dirname, '..', '..', '..'),
  files: ['README.md', 'docs/migrating-from-prom-client.md'],
});
