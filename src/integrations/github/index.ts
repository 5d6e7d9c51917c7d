// GitHub issues for feedback reports: the REST client, what an issue says (the mapper), webhook signatures, and the
// integration's last outcome for the health pulse. What happens to reports lives in src/platform/feedback/github.ts.
export { githubClient, githubWebBase, GithubError, GITHUB_TIMEOUT_MS, type GithubClient, type GithubComment, type GithubFailure, type GithubIssue } from './client.ts'
export { issueContent, issueTitle, newIssueUrl, fingerprintMarker, reportMarker, ISSUE_LABEL, BODY_MAX_CHARS, NEW_ISSUE_URL_MAX, type IssueContent, type IssueSource } from './format.ts'
export { verifyWebhookSignature, signWebhookBody } from './signature.ts'
export { githubHealth, readGithubStatus, recordGithubError, recordGithubOk, type GithubHealth, type GithubStatus } from './status.ts'
