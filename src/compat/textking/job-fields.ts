import { LANGUAGE_PATTERN } from '../../core/people.js';
import { badInput } from './request-input.js';

export const QUALITIES = ['translation', 'translation-and-correction', 'basic'];
const LANGUAGE = new RegExp(LANGUAGE_PATTERN);

export interface JobFields {
  name?: string | undefined;
  source_language?: string | undefined;
  target_language?: string | undefined;
  quality?: string | undefined;
  topic?: string | null | undefined;
  briefing?: string | null | undefined;
  is_active?: boolean | undefined;
}

/** The writable fields of a job (POST-Jobs, PUT-Job); `create` requires the four the wiki requires. */
export function jobFields(body: Record<string, unknown>, create: boolean): JobFields {
  const out: JobFields = {};
  const text = (name: keyof JobFields, required: boolean, pattern?: RegExp, nullable = false) => {
    const value = body[name];
    if (value === undefined || (value === null && !nullable)) {
      if (required) throw badInput(`${name} is required.`);
      return;
    }
    if (
      value !== null &&
      (typeof value !== 'string' || value === '' || (pattern !== undefined && !pattern.test(value)))
    )
      throw badInput(`${name} is not valid: ${JSON.stringify(value)}.`);
    (out as Record<string, unknown>)[name] = value;
  };
  text('name', create);
  text('source_language', create, LANGUAGE);
  text('target_language', create, LANGUAGE);
  text('quality', create);
  if (out.quality !== undefined && !QUALITIES.includes(out.quality))
    throw badInput(`quality must be one of ${QUALITIES.join(', ')}.`);
  text('topic', false, undefined, true);
  text('briefing', false, undefined, true);
  // The PHP client sends `is_active: null` unless told otherwise; the wiki makes the field optional.
  if (body.is_active !== undefined && body.is_active !== null) {
    if (typeof body.is_active !== 'boolean') throw badInput('is_active must be true or false.');
    out.is_active = body.is_active;
  }
  return out;
}
