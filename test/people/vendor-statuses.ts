// The vendor status vocabularies as native status + reason (the table in docs/api.md, People work).
// The compatible APIs map the same way; the tests assert both at every step.

interface Native {
  status: string;
  status_reason: string | null;
}

export function phraseStatus(job: Native): string {
  switch (job.status) {
    case 'pending':
      return job.status_reason === 'offered' ? 'EMAILED' : job.status_reason === 'declined' ? 'DECLINED' : 'NEW';
    case 'running':
      return 'ACCEPTED';
    case 'delivered':
      return 'DELIVERED';
    case 'succeeded':
      return 'COMPLETED';
    case 'failed':
      return 'REJECTED';
    default:
      return 'CANCELLED';
  }
}

export function textkingState(job: Native, projectState: string): string {
  switch (job.status) {
    case 'pending':
      return projectState === 'prepared' ? 'new' : 'translation-pending';
    case 'running':
      return job.status_reason === 'revision_requested' ? 'revision-requested' : 'translation-pending';
    case 'delivered':
      return 'translation-delivered';
    case 'succeeded':
      return 'completed';
    default:
      return 'canceled';
  }
}
