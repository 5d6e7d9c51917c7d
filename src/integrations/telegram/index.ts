// Admin notifications through the Telegram Bot API: the client, message formatting and the outbox.
export { sendTelegramMessage, SEND_TIMEOUT_MS, type SendOutcome } from './client.ts'
export { escapeHtml, reportMessage, reporterMessage, digestMessage, TELEGRAM_TEXT_MAX } from './format.ts'
export {
  queueReportNotifications, queueReporterNotification, sendNotification, sendInBackground, settleBackgroundSends, runTelegramOutbox, backoffMs,
  THROTTLE_MS, SEND_LEASE_MS, MAX_ATTEMPTS, type SendResult,
} from './outbox.ts'
