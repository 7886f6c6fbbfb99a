// Type-level check (tsc, `npm run typecheck`): the fixtures compose into a user's own `test.extend`, as the README shows.
import { test as base } from 'vitest'
import { fakeVoiceFixtures, voiceFixtures } from '../../src/vitest.js'

const openDb = async () => ({ query: (sql: string) => sql.length })

export const test = base.extend(fakeVoiceFixtures).extend({ db: async ({}, use: (db: { query(sql: string): number }) => Promise<void>) => use(await openDb()) })
export const liveTest = base.extend(voiceFixtures).extend({ db: async ({}, use: (db: { query(sql: string): number }) => Promise<void>) => use(await openDb()) })

test('uses both', async ({ agent, db, fakeServer }) => {
  await agent.sendText('hi')
  db.query('select 1')
  void fakeServer.url
})

liveTest('types every fixture', async ({ agent, db, voiceOptions }) => {
  await agent.sendText('hi')
  db.query('select 1')
  void voiceOptions.model
  // @ts-expect-error the fixtures are typed, not `any`
  db.nope()
  // @ts-expect-error agent is an OpenAIRealtimeAdapter
  await agent.sendNothing()
})
