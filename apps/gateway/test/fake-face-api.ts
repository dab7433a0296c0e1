/**
 * A FaceApi stand-in for HTTP-layer tests: records each call (caller and request) and answers
 * with a canned response, or throws the error queued for the next call.
 */
import { OPERATIONS, type Caller, type FaceApi, type OperationName } from '@facerec/service';

export interface RecordedCall {
  operation: OperationName;
  caller: Caller;
  request: Record<string, unknown>;
}

type Handler = (caller: Caller, request: Record<string, unknown>) => Promise<unknown>;

export class FakeFaceApi {
  readonly calls: RecordedCall[] = [];
  private readonly responses = new Map<OperationName, unknown>();
  private nextError: unknown;

  /** The object to hand to createApp: one method per operation. */
  readonly api: FaceApi;

  constructor() {
    const methods: Partial<Record<OperationName, Handler>> = {};
    for (const operation of OPERATIONS) {
      methods[operation] = async (caller, request) => {
        this.calls.push({ operation, caller, request });
        if (this.nextError !== undefined) {
          const error = this.nextError;
          this.nextError = undefined;
          throw error;
        }
        return this.responses.get(operation) ?? {};
      };
    }
    this.api = methods as unknown as FaceApi;
  }

  respond(operation: OperationName, response: unknown): void {
    this.responses.set(operation, response);
  }

  failNext(error: unknown): void {
    this.nextError = error;
  }

  lastCall(): RecordedCall {
    const call = this.calls.at(-1);
    if (!call) throw new Error('no call recorded');
    return call;
  }
}
