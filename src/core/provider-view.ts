import type { JobEvent } from './events.js';
import type { Job } from './job.js';
import type { ProviderRef } from './people.js';

// A provider's token reads the jobs assigned to it and acts on them; a job offered to several providers
// is shared, but what one provider does with it (a decline and its comment, an accept) is between it and
// the customer. So of a job's events a provider sees its own actions and those of the customer and the
// system, never another provider's, and a list of providers (an offer, an assignment) names only itself.

/** The event as provider `providerId` may see it, or undefined when it is another provider's. */
export function eventForProvider(e: JobEvent, providerId: string): JobEvent | undefined {
  if (e.actor !== null && e.actor.startsWith('provider:') && e.actor !== `provider:${providerId}`) return undefined;
  const providers = e.data.providers;
  if (!Array.isArray(providers)) return e;
  return { ...e, data: { ...e.data, providers: (providers as ProviderRef[]).filter((p) => p.id === providerId) } };
}

/** The events a provider may see (all of them for anyone else). */
export function eventsFor(events: JobEvent[], providerId: string | undefined): JobEvent[] {
  if (providerId === undefined) return events;
  return events.flatMap((e) => eventForProvider(e, providerId) ?? []);
}

/** The job as provider `providerId` sees it (as it is for anyone else): its providers are itself. */
export function jobFor(job: Job, providerId: string | undefined): Job {
  const people = job.people;
  if (providerId === undefined || people === null || people === undefined) return job;
  return { ...job, people: { ...people, providers: people.providers.filter((p) => p.id === providerId) } };
}
