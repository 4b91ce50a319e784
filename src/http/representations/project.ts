import { toIso } from '../../core/clock.js';
import type { Project } from '../../core/project.js';

export function projectRepresentation(project: Project) {
  return {
    id: project.id,
    number: project.number,
    name: project.name,
    description: project.description,
    workflow_steps: project.workflowSteps,
    state: project.state ?? 'prepared',
    created_at: toIso(project.createdAt)!,
    updated_at: toIso(project.updatedAt)!,
    version: project.version,
  };
}
