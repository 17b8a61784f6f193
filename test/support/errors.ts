// The LlreconError a call throws, for assertions on its code and field.
import { isLlreconError, type LlreconError } from '../../src/errors.js';

export function failure(run: () => unknown): LlreconError {
  try {
    run();
  } catch (error) {
    if (isLlreconError(error)) return error;
    throw error;
  }
  throw new Error('expected an LlreconError');
}
