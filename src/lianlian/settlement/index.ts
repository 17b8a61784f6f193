// LianLian's settlement files (protocol §7), pure: names, columns, lines, encodings, rows.
export * from './fields.js';
export * from './file-error.js';
export * from './file-name.js';
export * from './encoding.js';
export * from './lines.js';
export * from './parse-line.js';
export * from './reader.js';
