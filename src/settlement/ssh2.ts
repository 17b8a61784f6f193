// ssh2, loaded on first use. Loading ssh2 compiles its poly1305 WebAssembly module with a 16 MiB memory (Emscripten's
// default), which every llrecon process would otherwise carry whether or not it ever speaks SFTP: measured +16.8 MB
// of `external` memory and +16 MB RSS in the daemon (bench/RESULTS.md, comparison). Only the settlement fetch and the
// sandbox's SFTP server use it, so only the process that runs them pays for it. Import ssh2's types with
// `import type` elsewhere; take its values from here.
import type ssh2 from 'ssh2';

let loading: Promise<typeof ssh2> | null = null;

/** The ssh2 package (imported once, then the same module). */
export function loadSsh2(): Promise<typeof ssh2> {
  loading ??= import('ssh2').then((m) => m.default);
  return loading;
}
