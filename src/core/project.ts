export interface Project {
  id: string;
  workspaceId: string;
  number: number;
  name: string;
  description: string | null;
  workflowSteps: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
}
