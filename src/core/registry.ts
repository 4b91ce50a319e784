import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Backoff } from './backoff.js';
import type { FieldError } from './errors.js';
import type { FlowControl } from './flow.js';
import { fieldErrors } from './input-schemas.js';

/**
 * What the services need of a job type: its schemas and defaults. The engine's JobDefinition (with
 * the handler) extends it, so the registry can sit below both the services and the engine.
 */
export interface JobType {
  type: string;
  /** JSON Schema (TypeBox) of the input. */
  input?: object;
  /** JSON Schema (TypeBox) of the output. */
  output?: object;
  maxAttempts?: number;
  timeoutMs?: number;
  backoff?: Backoff;
  concurrency?: number;
  /** Flow control across every worker (docs/flow-control.md), the default of every workspace. */
  flow?: FlowControl | undefined;
}

/** The job types this process knows: their definitions, and validators for their input and output. */
export class Registry<D extends JobType = JobType> {
  private readonly definitions = new Map<string, D>();
  private readonly inputValidators = new Map<string, ValidateFunction>();
  private readonly outputValidators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv.default({ allErrors: true, strict: false });

  constructor(definitions: D[] = []) {
    addFormats.default(this.ajv);
    for (const d of definitions) this.register(d);
  }

  register(definition: D): void {
    if (this.definitions.has(definition.type)) throw new Error(`Job type ${definition.type} is defined twice.`);
    this.definitions.set(definition.type, definition);
    if (definition.input !== undefined) this.inputValidators.set(definition.type, this.ajv.compile(definition.input));
    if (definition.output !== undefined)
      this.outputValidators.set(definition.type, this.ajv.compile(definition.output));
  }

  get(type: string): D | undefined {
    return this.definitions.get(type);
  }

  types(): string[] {
    return [...this.definitions.keys()];
  }

  /** Problems with a job's input, as JSON pointers under `prefix`; empty for unknown types (they wait for a worker). */
  validateInput(type: string, input: unknown, prefix = '#/input'): FieldError[] {
    const validate = this.inputValidators.get(type);
    if (validate === undefined || validate(input)) return [];
    return fieldErrors(validate.errors, prefix);
  }

  validateOutput(type: string, output: unknown): string | undefined {
    const validate = this.outputValidators.get(type);
    if (validate === undefined || validate(output)) return undefined;
    return this.ajv.errorsText(validate.errors, { dataVar: 'output' });
  }
}
