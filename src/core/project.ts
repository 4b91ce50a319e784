import type { ProjectState } from './people.js';

export interface Project {
  id: string;
  workspaceId: string;
  number: number;
  name: string;
  description: string | null;
  workflowSteps: string[];
  /** prepared → running → finished, or cancelled; defaults to prepared. */
  state?: ProjectState;
  createdAt: number;
  updatedAt: number;
  version: number;
}
