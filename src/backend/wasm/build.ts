/**
 * `npm run build:wasm`: writes sgemm.wasm beside the compiled loader (dist/src/backend/wasm/). The source
 * is the TypeScript emitter in sgemm-module.ts; the file is a build output, not committed.
 */
import { writeFileSync } from 'node:fs';
import { emitSgemmModule } from './sgemm-module';
import { SGEMM_WASM_FILE } from './sgemm';

const bytes = emitSgemmModule();
if (!WebAssembly.validate(bytes)) {
  process.stderr.write(`build:wasm: the emitted module does not validate\n`);
  process.exit(1);
}
writeFileSync(SGEMM_WASM_FILE, bytes);
process.stdout.write(`build:wasm: wrote ${SGEMM_WASM_FILE} (${bytes.length} bytes)\n`);
