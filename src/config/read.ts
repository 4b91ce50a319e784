import type { Command } from 'commander';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SETTINGS, type CommandName, type Setting, type SettingName, type Settings } from './settings.js';

/** Commander's values for a command's flags, keyed by the camel-cased option name. */
export type Flags = Record<string, unknown>;

/** `--shutdown-timeout <ms>` → `shutdownTimeout`: the key commander stores the option under. */
function flagKey(flag: string): string {
  return flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flag's name alone, as a message names it: `--port`. */
export function flagName(flag: string): string {
  return flag.split(' ')[0]!;
}

/** What the schema accepts, in words: "an integer of at least 1000", "true or false". */
export function describe(schema: TSchema): string {
  if (schema.const !== undefined)
    return `${JSON.stringify(schema.const)}${schema.description !== undefined ? ` (${schema.description})` : ''}`;
  if (Array.isArray(schema.anyOf)) {
    const members = schema.anyOf as TSchema[];
    if (members.every((m) => typeof m.const === 'string'))
      return `one of ${members.map((m) => m.const as string).join(', ')}`;
    return members.map(describe).join(' or ');
  }
  if (schema.type === 'integer') {
    const { minimum, maximum, exclusiveMinimum } = schema as {
      minimum?: number;
      maximum?: number;
      exclusiveMinimum?: number;
    };
    if (minimum !== undefined && maximum !== undefined) return `an integer from ${minimum} to ${maximum}`;
    if (minimum !== undefined) return `an integer of at least ${minimum}`;
    if (exclusiveMinimum !== undefined) return `an integer greater than ${exclusiveMinimum}`;
    return 'an integer';
  }
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'array') {
    const items = schema.items as TSchema;
    return items.type === 'string'
      ? 'a comma-separated list'
      : `a comma-separated list of ${describe(items).replace(/^one of /, '')}`;
  }
  return 'a string';
}

function numeric(schema: TSchema): boolean {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).every(numeric);
  return schema.type === 'integer' || typeof schema.const === 'number';
}

/** Turns what a flag or variable holds into the value the schema checks. */
function convert(schema: TSchema, raw: string | string[]): unknown {
  if (schema.type === 'array') {
    const items = (Array.isArray(raw) ? raw : raw.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    return [...new Set(items)];
  }
  if (Array.isArray(raw)) return raw;
  // Number('') and Number(' ') are 0: a blank is not a number, however Number reads it.
  if (numeric(schema)) return raw.trim() === '' ? raw : Number(raw);
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/** What to quote back: of a list, only the items refused (`phrasebook` of `asana,phrasebook`). */
function refused(schema: TSchema, value: unknown, raw: string | string[]): string {
  if (schema.type !== 'array' || !Array.isArray(value)) return Array.isArray(raw) ? raw.join(',') : raw;
  return value.filter((item) => !Value.Check(schema.items as TSchema, item)).join(',');
}

/** Reads one setting for a command: the flag, else the variable (empty counts as unset), else the default. */
export function readSetting(command: CommandName, setting: Setting, flags: Flags, env: NodeJS.ProcessEnv): unknown {
  const fromFlag =
    setting.flag === undefined ? undefined : (flags[flagKey(setting.flag)] as string | string[] | undefined);
  const fromEnv = setting.env === undefined || env[setting.env] === '' ? undefined : env[setting.env];
  const raw = fromFlag ?? fromEnv;
  if (raw === undefined) return setting.default;
  const name = fromFlag !== undefined ? flagName(setting.flag!) : setting.env!;
  const schema = setting.narrower?.[command]?.schema ?? setting.schema;
  const value = convert(schema, raw);
  if (!Value.Check(schema, value)) {
    // One message for a setting, whichever command refused the value.
    const notes = Object.values(setting.narrower ?? {}).map((n) => n.note);
    const rule = describe(setting.schema) + (notes.length > 0 ? ` (${notes.join('; ')})` : '');
    const why = setting.why === undefined ? '' : `; ${setting.why}`;
    throw new Error(`${name} must be ${rule}, got ${JSON.stringify(refused(schema, value, raw))}${why}.`);
  }
  return value;
}

/** Every setting `command` reads, each validated once, from its flags and the environment. */
export function readSettings<C extends CommandName>(
  command: C,
  flags: Flags = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings<C> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    if (setting.commands.includes(command)) values[key] = readSetting(command, setting, flags, env);
  }
  return values as Settings<C>;
}

/** Declares the command's flags from the settings, so `--help` and the reader agree on them. */
export function settingOptions(cmd: Command, command: CommandName): Command {
  for (const setting of Object.values(SETTINGS) as Setting[]) {
    if (setting.flag === undefined || !setting.commands.includes(command)) continue;
    const schema = setting.narrower?.[command]?.schema ?? setting.schema;
    const value = setting.default as string | number | boolean | string[] | undefined;
    const where = [
      setting.env === undefined ? undefined : `env ${setting.env}${schema.type === 'array' ? ', comma-separated' : ''}`,
      value === undefined || Array.isArray(value) ? undefined : `default ${String(value)}`,
    ].filter((s) => s !== undefined);
    const help = `${schema.description ?? setting.schema.description ?? ''}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
    cmd.option(setting.flag, help);
  }
  return cmd;
}
