import type { FastifyInstance } from 'fastify';
import type { Project } from '../../core/project.js';
import { cancelProject, startProject } from '../../services/documents.js';
import { createProject, deleteProject, updateProject } from '../../services/projects.js';
import { listProjectsInStates } from '../../store/people-views.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { noSuchAddress } from './account-routes.js';
import type { TextKingContext } from './context.js';
import { sendTextKing, textkingPage } from './representation.js';
import { badInput, bodyOf, pageOf, requirePrepared } from './request-input.js';
import { parseProjectState } from './states.js';

// Projects (api.json: GetProjects, CreateProject, GetProject, UpdateProject, DeleteProject). A
// TextKing project is a Jobline project with one workflow step, `translation`.

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write' } as const;

export function textkingProjectRoutes(scope: FastifyInstance, tk: TextKingContext): void {
  const { services } = tk;

  scope.get('/projects', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { page, perPage } = pageOf(request);
    const raw = ((request.query ?? {}) as Record<string, unknown>).state;
    const states =
      raw === undefined
        ? undefined
        : (Array.isArray(raw) ? raw : [raw]).map((s) => {
            const state = s === 'canceled' ? 'cancelled' : s;
            if (!['prepared', 'running', 'finished', 'cancelled'].includes(String(state)))
              throw badInput(`state must be prepared, running, finished or canceled.`);
            return state as Project['state'] & string;
          });
    const result = await listProjectsInStates(
      services.store.db,
      tk.principalOf(request).workspaceId,
      states,
      (page - 1) * perPage,
      perPage,
    );
    const items = await Promise.all(result.projects.map((p) => tk.projectBody(request, p)));
    const body = textkingPage(`${tk.base(request)}/projects`, page, perPage, result.total, items);
    return sendTextKing(request, reply, body, { root: 'projects', itemName: 'project' });
  });

  scope.post('/projects', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const body = bodyOf(request);
    if (typeof body.name !== 'string' || body.name.trim() === '') throw badInput('name is required.');
    // A TextKing project's jobs are translations: one workflow step.
    const project = await createProject(services, tk.principalOf(request), {
      name: body.name,
      workflowSteps: ['translation'],
    });
    const location = `${tk.base(request)}/project/${project.id}`;
    return sendTextKing(request, tk.created(reply, location), await tk.projectBody(request, project), {
      root: 'project',
    });
  });

  scope.get('/project/:projectId', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const project = await tk.projectOf(request, (request.params as { projectId: string }).projectId);
    return sendTextKing(request, reply, await tk.projectBody(request, project), { root: 'project' });
  });

  // PUT /project/{id}: name, due_date… and `state` (prepared → running starts the work; canceled cancels it).
  scope.put('/project/:projectId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const principal = tk.principalOf(request);
    let project = await tk.projectOf(request, (request.params as { projectId: string }).projectId);
    const body = bodyOf(request);
    requirePrepared(project, 'it can be changed');
    // The PHP client sends every member of its Project model, null where the caller set nothing.
    const given = (value: unknown) => value !== undefined && value !== null;
    const state = given(body.state) ? parseProjectState(body.state) : undefined;
    if (given(body.state) && state === undefined) throw badInput('state must be prepared, running or canceled.');
    // Setting one would pretend it was kept: the address book is empty (account-routes.ts).
    if (given(body.billing_address)) {
      const problem = noSuchAddress(typeof body.billing_address === 'string' ? body.billing_address : '');
      throw badInput(`billing_address: ${problem.message}`);
    }
    if (given(body.name)) {
      if (typeof body.name !== 'string' || body.name.trim() === '') throw badInput('name must be a non-empty string.');
      project = await updateProject(services, principal, project.id, { name: body.name });
    }
    if (state === 'running') project = await startProject(services, principal, project.id);
    if (state === 'cancelled') project = await cancelProject(services, principal, project.id);
    return sendTextKing(request, reply, await tk.projectBody(request, project), { root: 'project' });
  });

  // DELETE /project/{id}: "Only projects in the state prepared can be deleted" (403 otherwise); its jobs go too.
  scope.delete('/project/:projectId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const project = await tk.projectOf(request, (request.params as { projectId: string }).projectId);
    requirePrepared(project, 'it can be deleted');
    await deleteProject(services, tk.principalOf(request), project.id);
    return reply.code(204).send();
  });
}
