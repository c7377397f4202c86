// The service's metric names and queue name, declared once.
export const REPORTS_QUEUE: string = "sentinel_reports";
export const REPORTS_RECEIVED: string = "sentinel.service.reports_received";
