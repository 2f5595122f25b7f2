// Reading a postgres:// URL (no server needed): where the password comes from, what the handle shows, and the
// conversion of PostgreSQL's text values that the server tests do not reach.
import { afterEach, describe, expect, it } from 'vitest'
import { parsePostgresUrl } from '../../src/main/core/db/postgres/target'
import { convertValue, OID, parseArray } from '../../src/main/core/db/postgres/values'
import { expectThrows } from './dbTestUtils'

const savedPassword = process.env.PGPASSWORD
afterEach(() => {
  if (savedPassword === undefined) delete process.env.PGPASSWORD
  else process.env.PGPASSWORD = savedPassword
})

describe('parsePostgresUrl', () => {
  it('takes user, password, host, port and database from the URL and hides the password', () => {
    const t = parsePostgresUrl('postgres://ann:p%40ss@db.example.org:6543/sales?sslmode=require&password=other')
    expect(t).toMatchObject({ user: 'ann', password: 'p@ss', host: 'db.example.org', port: 6543, database: 'sales', name: 'sales @ db.example.org' })
    expect(t.redacted).toBe('postgres://ann@db.example.org:6543/sales?sslmode=require')
  })

  it('password: URL, then the option, then PGPASSWORD', () => {
    process.env.PGPASSWORD = 'from-env'
    expect(parsePostgresUrl('postgresql://ann:url@h/d', { password: 'opt' }).password).toBe('url')
    expect(parsePostgresUrl('postgresql://ann@h/d', { password: 'opt' }).password).toBe('opt')
    expect(parsePostgresUrl('postgresql://ann@h/d').password).toBe('from-env')
    delete process.env.PGPASSWORD
    expect(parsePostgresUrl('postgresql://ann@h/d').password).toBeUndefined()
  })

  it('defaults the port to 5432, takes a socket folder as host, and refuses what is not a PostgreSQL URL', () => {
    expect(parsePostgresUrl('postgres://ann@localhost/d').port).toBe(5432)
    expect(parsePostgresUrl('postgres://ann@%2Fvar%2Frun%2Fpostgresql/d').host).toBe('/var/run/postgresql')
    expect(parsePostgresUrl('postgres://ann@[::1]:5433/d')).toMatchObject({ host: '::1', port: 5433 })
    expectThrows(() => parsePostgresUrl('not a url'), ['BAD_REQUEST'])
    expectThrows(() => parsePostgresUrl('mysql://ann@h/d'), ['BAD_REQUEST'])
  })
})

describe('convertValue', () => {
  const none = (): undefined => undefined
  it('keeps exact what a number would round', () => {
    expect(convertValue('9223372036854775807', OID.int8, none)).toEqual({ $bigint: '9223372036854775807' })
    expect(convertValue('-42', OID.int8, none)).toBe(-42)
    expect(convertValue('123.4500', OID.numeric, none)).toBe(123.45)
    expect(convertValue('0.1234567890123456789', OID.numeric, none)).toBe('0.1234567890123456789')
    expect(convertValue('NaN', OID.numeric, none)).toBe('NaN')
    expect(convertValue('-Infinity', OID.float8, none)).toBe('-Infinity')
  })

  it('writes timestamps as ISO 8601 with a full offset', () => {
    expect(convertValue('2024-01-02 03:04:05+05:30', OID.timestamptz, none)).toBe('2024-01-02T03:04:05+05:30')
    expect(convertValue('2024-01-02 03:04:05-08', OID.timestamptz, none)).toBe('2024-01-02T03:04:05-08:00')
    expect(convertValue('infinity', OID.timestamp, none)).toBe('infinity')
  })

  it('parses array literals with quotes, escapes and NULLs', () => {
    expect(parseArray('{a,"b c","d\\"e",NULL,"NULL"}', (x) => x)).toEqual(['a', 'b c', 'd"e', null, 'NULL'])
    expect(parseArray('[0:1]={{1,2},{3,4}}', (x) => Number(x))).toEqual([[1, 2], [3, 4]])
    expect(convertValue('{t,f}', 1000, (oid) => (oid === 1000 ? { name: 'boolean[]', elem: OID.bool } : undefined))).toBe('[true,false]')
  })
})
