// SQLite's error codes map onto our stable codes; errors we did not expect stay INTERNAL with their text.
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { classifySqliteError } from '../../src/main/core/db'
import { SqlstillError } from '../../src/shared/errors'

function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('classifySqliteError', () => {
  it.each([
    ['SQLITE_CORRUPT', 'CORRUPT_DATABASE'],
    ['SQLITE_CORRUPT_INDEX', 'CORRUPT_DATABASE'],
    ['SQLITE_NOTADB', 'NOT_A_DATABASE'],
    ['SQLITE_BUSY', 'DATABASE_LOCKED'],
    ['SQLITE_BUSY_SNAPSHOT', 'DATABASE_LOCKED'],
    ['SQLITE_LOCKED', 'DATABASE_LOCKED'],
    ['SQLITE_READONLY', 'READ_ONLY'],
    ['SQLITE_READONLY_DBMOVED', 'READ_ONLY'],
    ['SQLITE_CANTOPEN', 'NOT_FOUND'],
    ['SQLITE_ERROR', 'SQL_ERROR'],
    ['SQLITE_RANGE', 'SQL_ERROR'],
    ['SQLITE_INTERRUPT', 'CANCELLED'],
    ['SQLITE_IOERR_SHORT_READ', 'INTERNAL'],
  ])('%s → %s', (sqliteCode, expected) => {
    const err = classifySqliteError(sqliteError(sqliteCode, 'boom'), { path: '/data/shop.sqlite' })
    expect(err).toBeInstanceOf(SqlstillError)
    expect(err.code).toBe(expected)
    expect(err.details).toMatchObject({ sqliteCode, sqliteMessage: 'boom' })
    if (['CORRUPT_DATABASE', 'NOT_A_DATABASE', 'DATABASE_LOCKED'].includes(expected)) {
      expect(err.message).toContain('shop.sqlite')
    }
  })

  it('classifies real better-sqlite3 errors', () => {
    const db = new Database(':memory:')
    try {
      const thrown = (sql: string): unknown => {
        try {
          db.prepare(sql)
        } catch (e) {
          return e
        }
        throw new Error(`expected ${sql} to fail`)
      }
      expect(classifySqliteError(thrown('SELECT 1; SELECT 2')).code).toBe('MULTIPLE_STATEMENTS')
      expect(classifySqliteError(thrown('')).code).toBe('SQL_ERROR')
      const syntax = classifySqliteError(thrown('SELEKT 1'))
      expect(syntax.code).toBe('SQL_ERROR')
      expect(syntax.message).toMatch(/syntax error/)
    } finally {
      db.close()
    }
  })

  it('passes our own errors through and keeps unknown ones as INTERNAL', () => {
    const ours = new SqlstillError('TIMEOUT', 'slow')
    expect(classifySqliteError(ours)).toBe(ours)
    expect(classifySqliteError({ code: 'READ_ONLY', message: 'shape' }).code).toBe('READ_ONLY')
    const unknown = classifySqliteError(new TypeError('weird'))
    expect(unknown.code).toBe('INTERNAL')
    expect(unknown.message).toBe('weird')
    expect(classifySqliteError('just a string').message).toBe('just a string')
  })
})
