import { Type } from '@sinclair/typebox';
import { Name, Nullable, Text, Timestamp, Uuid } from './common.js';
import { ProjectState } from './people.js';

const Step = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', examples: ['translation'] });

export const Project = Type.Object(
  {
    id: Uuid,
    number: Type.Integer(),
    name: Type.String(),
    description: Nullable(Type.String()),
    workflow_steps: Type.Array(Type.String()),
    state: ProjectState,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: Type.Integer(),
  },
  { $id: 'Project' },
);

export const CreateProjectBody = Type.Object(
  {
    name: Name({ maxLength: 200 }),
    description: Type.Optional(Nullable(Text({ maxLength: 5000 }))),
    workflow_steps: Type.Optional(
      Type.Array(Step, {
        maxItems: 10,
        uniqueItems: true,
        description: 'Ordered steps, e.g. ["translation", "revision"].',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateProjectBody = Type.Object(
  {
    name: Type.Optional(Name({ maxLength: 200 })),
    description: Type.Optional(Nullable(Text({ maxLength: 5000 }))),
    workflow_steps: Type.Optional(Type.Array(Step, { maxItems: 10, uniqueItems: true })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ProjectList = Type.Object({
  data: Type.Array(Type.Ref('Project')),
  next_page_token: Type.Optional(Type.String()),
  total: Type.Optional(Type.Integer()),
  page: Type.Optional(Type.Integer()),
  per_page: Type.Optional(Type.Integer()),
});
