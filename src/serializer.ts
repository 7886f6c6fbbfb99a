/**
 * `expect-voice/serializer`: the transcript snapshot serializer as a module of its own, for a runner's config
 * (`snapshotSerializers: ['expect-voice/serializer']`, Jest and Vitest). `expect-voice/vitest` and `expect-voice/jest`
 * register it already; this is for setups that register the matchers some other way. Jest requires the module and
 * reads its `test` and `serialize`; Vitest imports its default export.
 */
import { transcriptSerializer } from './conversation/transcript-serializer.js'

export const test = transcriptSerializer.test
export const serialize = transcriptSerializer.serialize
export default transcriptSerializer
