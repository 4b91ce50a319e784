/** The files `jobline init` writes: a project that runs its own TypeScript job types on Jobline. */

export interface StarterVersions {
  /** What the project's package.json depends on for jobline: a version range, a tarball or a git URL. */
  jobline: string;
  typescript: string;
  typesNode: string;
}

export function starterPackage(name: string, versions: StarterVersions): Record<string, unknown> {
  return {
    name,
    private: true,
    type: 'module',
    scripts: {
      start: 'jobline serve --jobs ./jobs',
      worker: 'jobline worker --jobs ./jobs',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { jobline: versions.jobline },
    devDependencies: { '@types/node': versions.typesNode, typescript: versions.typescript },
    // npm asks a project to approve install scripts: the SQLite driver builds its binding, esbuild
    // (which runs the TypeScript job types) fetches its binary.
    allowScripts: { 'better-sqlite3': true, esbuild: true },
  };
}

export const STARTER_TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "skipLibCheck": false,
    "noEmit": true
  },
  "include": ["jobs"]
}
`;

export const STARTER_JOB = `import { defineJob, NonRetryableError, Type } from 'jobline';

/** Counts the words of a text, reports its progress, and stores the counts as an output file. */
export const wordCount = defineJob({
  type: 'word-count',
  input: Type.Object({ text: Type.String({ maxLength: 1_000_000 }) }),
  output: Type.Object({ words: Type.Integer(), distinct: Type.Integer(), file: Type.String() }),
  maxAttempts: 3,
  timeoutMs: 60_000,
  async run(ctx) {
    const words = ctx.input.text.toLowerCase().match(/[\\p{L}\\p{N}']+/gu) ?? [];
    if (words.length === 0) throw new NonRetryableError('The text has no words.', 'empty_text');
    const counts = new Map<string, number>();
    for (const [i, word] of words.entries()) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
      if (i % 1000 === 0) await ctx.progress((100 * i) / words.length, 'counting');
    }
    const sorted = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
    const file = await ctx.writeFile('counts.json', JSON.stringify(sorted, null, 2), 'application/json');
    await ctx.progress(100, 'done');
    return { words: words.length, distinct: counts.size, file: file.name };
  },
});
`;

export function starterReadme(name: string): string {
  return `# ${name}

Job types for Jobline, in TypeScript under \`jobs/\`.

\`\`\`sh
npm install            # Jobline and TypeScript
npm start              # serves http://127.0.0.1:8080 and runs the job types of ./jobs (data in ./data)
\`\`\`

The first start prints an admin token once; keep it. In a second terminal:

\`\`\`sh
export JOBLINE_TOKEN=jl_...   # the token printed at the first start
ID=$(npx jobline jobs create --type word-count --input '{"text": "to be or not to be"}' --json | jq -r .id)
npx jobline jobs watch $ID    # progress until it ends; then \`npx jobline jobs get $ID\` shows the output
\`\`\`

The dashboard is at <http://127.0.0.1:8080/ui>. \`npm run typecheck\` checks the job types;
\`npm run worker\` runs them in a separate worker process.
`;
}

export const STARTER_GITIGNORE = `node_modules/
data/
`;
