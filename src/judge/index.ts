// The judge and the transcriber: clients of OpenAI's HTTP endpoints (Responses API, audio transcriptions).
export { endpointUrl, httpBaseUrl, isLoopbackUrl, isOpenAIUrl } from './base-url.js'
export { MAX_RESPONSE_BYTES, postToEndpoint, shownUrl, type EndpointAnswer, type EndpointRequest } from './http-request.js'
export { DEFAULT_JUDGE_MODEL, conversationText, criteriaText, judgeRequestBody } from './judge-request.js'
export { outputText, requestVerdict, type VerdictRequest } from './judge-client.js'
export { DEFAULT_HEARING_MODEL, multipartBody, transcribeWithEndpoint, type Transcriber, type TranscriptionRequest } from './transcription-client.js'
export { VERDICT_SCHEMA, parseVerdict, type CriterionVerdict, type JudgeVerdict } from './verdict.js'
