/** Errors of the evaluation package. `code` is stable so the CLI can print a short reason. */
export type EvalErrorCode =
  | 'InvalidInput'
  | 'CsvFormat'
  | 'MissingFile'
  | 'EngineContract'
  | 'ImageFailed'
  | 'Calibration';

export class EvalError extends Error {
  constructor(
    readonly code: EvalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = `Eval${code}Error`;
  }
}

/** Metric inputs that cannot produce a number (no negatives, bad FAR, missing folds…). */
export class InvalidInputError extends EvalError {
  constructor(message: string) {
    super('InvalidInput', message);
  }
}

/** A CSV file does not follow its documented layout; the message names the file and line. */
export class CsvFormatError extends EvalError {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super('CsvFormat', `${file}:${line}: ${detail}`);
  }
}

/** An image or folder a benchmark needs is not there. */
export class MissingFileError extends EvalError {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('MissingFile', `${detail}: ${path}`, options);
  }
}

/** The engine returned something its contract rules out (a face without the requested embedding…). */
export class EngineContractError extends EvalError {
  constructor(message: string) {
    super('EngineContract', message);
  }
}

/** The engine failed on one image; `path` names it, `cause` holds the engine's error. */
export class ImageFailedError extends EvalError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super('ImageFailed', `engine failed on ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The scores cannot support a calibration (no separation, too few pairs…). */
export class CalibrationError extends EvalError {
  constructor(message: string) {
    super('Calibration', message);
  }
}
