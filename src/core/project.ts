import type { ProjectState } from './people.js';

export interface Project {
  id: string;
  workspaceId: string;
  number: number;
  name: string;
  description: string | null;
  workflowSteps: string[];
  /** The language of the project's documents, when known (Phrase TMS projects have one). */
  sourceLanguage?: string | null;
  /** The languages its jobs are translated into; empty: any. */
  targetLanguages?: string[];
  /** prepared → running → finished, or cancelled; defaults to prepared. */
  state?: ProjectState;
  createdAt: number;
  updatedAt: number;
  version: number;
}
