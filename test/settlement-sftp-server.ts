// The settlement fetch tests' SFTP server: the sandbox's (src/sandbox/settlement-sftp.ts), a real SSH/SFTP server
// on loopback serving a real directory.
export {
  ed25519KeyPair,
  parsedKey,
  startSftpServer,
  type SandboxSftpServer as TestSftpServer,
  type SandboxSftpServerOptions as TestSftpServerOptions,
} from '../src/sandbox/settlement-sftp.js';
