#!/usr/bin/env node
// Builds resources/demo.sqlite: a small, generated music-store database shipped with the app so a new
// user can ask questions before connecting their own data. Everything comes from a seeded PRNG and
// fixed word lists, so every run produces the same content (the demo questions' gold SQL relies on it).
//
// Usage: node scripts/build-demo-db.mjs [--out PATH]
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

// Bump when the schema or generator changes, so the app can tell which demo it is looking at.
export const DEMO_DB_VERSION = 1
const SEED = 20240917

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function parseArgs(argv) {
  let out = path.join(repoRoot, 'resources', 'demo.sqlite')
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--out') {
      if (!argv[i + 1]) throw new Error('--out needs a file path')
      out = path.resolve(argv[++i])
    } else if (a.startsWith('--out=')) {
      out = path.resolve(a.slice('--out='.length))
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('Usage: node scripts/build-demo-db.mjs [--out PATH]\n')
      process.exit(0)
    } else {
      throw new Error(`Unknown argument: ${a}`)
    }
  }
  return { out }
}

// mulberry32: tiny, fast, and identical on every platform (pure 32-bit integer math).
function makeRng(seed) {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = (arr) => arr[Math.floor(next() * arr.length)]
  const chance = (p) => next() < p
  const weighted = (pairs) => {
    const total = pairs.reduce((sum, [, w]) => sum + w, 0)
    let r = next() * total
    for (const [value, w] of pairs) {
      if ((r -= w) < 0) return value
    }
    return pairs[pairs.length - 1][0]
  }
  const sample = (arr, n) => {
    const copy = arr.slice()
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[copy[i], copy[j]] = [copy[j], copy[i]]
    }
    return copy.slice(0, n)
  }
  return { next, int, pick, chance, weighted, sample }
}

// ---------------------------------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------------------------------

const GENRES = [
  ['Rock', 26], ['Pop', 14], ['Jazz', 10], ['Blues', 6], ['Metal', 8], ['Electronic', 9], ['Hip Hop', 7],
  ['Classical', 6], ['Folk', 5], ['Reggae', 3], ['Soul', 4], ['Country', 4], ['Latin', 4], ['Soundtrack', 2],
]
const MEDIA_TYPES = ['MPEG audio file', 'AAC audio file', 'FLAC lossless audio', 'Protected AAC audio file', 'MPEG-4 video file']

const ARTIST_ADJ = ['Velvet', 'Electric', 'Silver', 'Crimson', 'Midnight', 'Golden', 'Hollow', 'Neon', 'Wild', 'Quiet',
  'Broken', 'Iron', 'Lunar', 'Paper', 'Scarlet', 'Northern', 'Copper', 'Glass', 'Restless', 'Stone']
const ARTIST_NOUN = ['Foxes', 'Engines', 'Harbors', 'Ravens', 'Satellites', 'Lanterns', 'Tides', 'Wolves', 'Pilots',
  'Orchards', 'Echoes', 'Comets', 'Rivers', 'Monarchs', 'Shadows', 'Violets', 'Drifters', 'Giants', 'Kites', 'Saints']
const FIRST_NAMES = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Mateo', 'Sofia', 'Lucas', 'Mia', 'Hugo', 'Chloe', 'Leon',
  'Ingrid', 'Ravi', 'Yuki', 'Amara', 'Diego', 'Freya', 'Kenji', 'Nadia', 'Tomas', 'Elena', 'Omar', 'Grace', 'Henrik',
  'Priya', 'Marco', 'Zoe', 'Felix', 'Lena', 'Samuel', 'Ana', 'Jonas', 'Clara', 'Pedro', 'Aisha', 'Victor', 'Maya']
const LAST_NAMES = ['Anderson', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Ivanova', 'Jensen',
  'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Peters', 'Quinn', 'Rossi', 'Silva', 'Tanaka', 'Urban', 'Varga',
  'Walsh', 'Xu', 'Yilmaz', 'Zimmermann', 'Brooks', 'Campbell', 'Novak', 'Romero', 'Sato', 'Murphy', 'Lindqvist', 'Patel']
const SOLO_ARTIST_SUFFIX = ['', '', '', ' Trio', ' Quartet', ' & The Night Shift', ' Band', ' Ensemble']

const ALBUM_WORDS_A = ['Summer', 'Distant', 'Electric', 'Blue', 'Last', 'Northern', 'Broken', 'Golden', 'Silent',
  'Endless', 'Burning', 'Hidden', 'Wandering', 'Falling', 'Secret', 'Velvet', 'Paper', 'Open', 'Little', 'Long']
const ALBUM_WORDS_B = ['Lights', 'Roads', 'Dreams', 'Horizons', 'Nights', 'Stories', 'Signals', 'Rooms', 'Skies',
  'Waves', 'Letters', 'Gardens', 'Hearts', 'Streets', 'Maps', 'Fires', 'Mornings', 'Machines', 'Islands', 'Seasons']
const TRACK_WORDS_A = ['Run', 'Hold', 'Fade', 'Dance', 'Wait', 'Fall', 'Shine', 'Drive', 'Breathe', 'Dream', 'Carry',
  'Follow', 'Burn', 'Stay', 'Sing', 'Turn', 'Break', 'Rise', 'Call', 'Walk']
const TRACK_WORDS_B = ['Away', 'On', 'Home', 'Tonight', 'Forever', 'Slowly', 'With Me', 'Again', 'Alone', 'Closer',
  'Back', 'Higher', 'Through The Night', 'In The Rain', 'To The Sea', 'Like Thunder', 'For You', 'Till Dawn']
const TRACK_NOUNS = ['Heart', 'River', 'Mirror', 'Signal', 'Window', 'Harbor', 'Engine', 'Shadow', 'Compass', 'Ocean',
  'Lantern', 'Highway', 'Satellite', 'Garden', 'Ghost', 'Winter', 'Thunder', 'Canyon', 'Echo', 'Feather']
const CLASSICAL_FORMS = ['Sonata', 'Nocturne', 'Etude', 'Prelude', 'Waltz', 'Fugue', 'Serenade', 'Rhapsody']
const CLASSICAL_KEYS = ['C major', 'D minor', 'E-flat major', 'F-sharp minor', 'G major', 'A minor', 'B-flat major']

// [city, state or null, country, phone prefix, email domain TLD]
const PLACES = [
  ['New York', 'NY', 'USA', '+1 212', 'com'], ['Chicago', 'IL', 'USA', '+1 312', 'com'],
  ['Austin', 'TX', 'USA', '+1 512', 'com'], ['Seattle', 'WA', 'USA', '+1 206', 'com'],
  ['Boston', 'MA', 'USA', '+1 617', 'com'], ['Toronto', 'ON', 'Canada', '+1 416', 'ca'],
  ['Vancouver', 'BC', 'Canada', '+1 604', 'ca'], ['Montreal', 'QC', 'Canada', '+1 514', 'ca'],
  ['São Paulo', 'SP', 'Brazil', '+55 11', 'com.br'], ['Rio de Janeiro', 'RJ', 'Brazil', '+55 21', 'com.br'],
  ['London', null, 'United Kingdom', '+44 20', 'co.uk'], ['Manchester', null, 'United Kingdom', '+44 161', 'co.uk'],
  ['Berlin', null, 'Germany', '+49 30', 'de'], ['Munich', null, 'Germany', '+49 89', 'de'],
  ['Paris', null, 'France', '+33 1', 'fr'], ['Lyon', null, 'France', '+33 4', 'fr'],
  ['Madrid', null, 'Spain', '+34 91', 'es'], ['Lisbon', null, 'Portugal', '+351 21', 'pt'],
  ['Rome', null, 'Italy', '+39 06', 'it'], ['Amsterdam', null, 'Netherlands', '+31 20', 'nl'],
  ['Stockholm', null, 'Sweden', '+46 8', 'se'], ['Oslo', null, 'Norway', '+47 22', 'no'],
  ['Warsaw', null, 'Poland', '+48 22', 'pl'], ['Prague', null, 'Czech Republic', '+420 2', 'cz'],
  ['Dublin', null, 'Ireland', '+353 1', 'ie'], ['Sydney', 'NSW', 'Australia', '+61 2', 'com.au'],
  ['Melbourne', 'VIC', 'Australia', '+61 3', 'com.au'], ['Tokyo', null, 'Japan', '+81 3', 'jp'],
  ['Mumbai', 'MH', 'India', '+91 22', 'in'], ['Buenos Aires', null, 'Argentina', '+54 11', 'com.ar'],
  ['Santiago', null, 'Chile', '+56 2', 'cl'], ['Mexico City', null, 'Mexico', '+52 55', 'mx'],
]
// Weights skew customers toward a few countries, the way real store data does.
const PLACE_WEIGHTS = { USA: 4, Canada: 2.5, Brazil: 2, Germany: 2, France: 2, 'United Kingdom': 2 }
const COMPANY_WORDS = ['Studios', 'Media', 'Records', 'Labs', 'Systems', 'Group', 'Partners', 'Digital']
const EMAIL_PROVIDERS = ['mailbox', 'postbox', 'inbox', 'fastmail', 'webpost']

const PLAYLISTS = [
  ['Road Trip', null, 60], ['Late Night Jazz', 'Jazz', 35], ['Workout Mix', 'Electronic', 40],
  ['Classic Rock Anthems', 'Rock', 70], ['Chill Acoustic', 'Folk', 25], ['Heavy Rotation', 'Metal', 30],
  ['Sunday Morning', 'Soul', 20], ['Party Starters', 'Pop', 45], ['Focus & Study', 'Classical', 30],
  ['Staff Picks', null, 50], ['New Discoveries', null, 0],
]

// ---------------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------------

function slug(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '')
}

function isoDate(y, m, d) {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

// Day arithmetic in UTC on fixed epochs: no dependence on the machine's time zone or the current time.
function addDays(iso, days) {
  const t = Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) + days * 86400000
  return new Date(t).toISOString().slice(0, 10)
}

function generate() {
  const rng = makeRng(SEED)
  const uniq = (make, seen) => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const v = make()
      if (!seen.has(v)) {
        seen.add(v)
        return v
      }
    }
    throw new Error('word lists too small for the requested number of unique names')
  }

  const genres = GENRES.map(([name], i) => ({ genre_id: i + 1, name }))
  const mediaTypes = MEDIA_TYPES.map((name, i) => ({ media_type_id: i + 1, name }))

  const artistNames = new Set()
  const artists = []
  for (let i = 1; i <= 60; i++) {
    const name = uniq(() => {
      if (rng.chance(0.55)) return `The ${rng.pick(ARTIST_ADJ)} ${rng.pick(ARTIST_NOUN)}`
      if (rng.chance(0.3)) return `${rng.pick(ARTIST_ADJ)} ${rng.pick(ARTIST_NOUN)}`
      return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}${rng.pick(SOLO_ARTIST_SUFFIX)}`
    }, artistNames)
    artists.push({ artist_id: i, name, country: rng.pick(PLACES)[2], primary_genre: rng.weighted(GENRES.map(([g, w], k) => [k + 1, w])) })
  }

  const albumTitles = new Set()
  const albums = []
  let albumId = 0
  for (const artist of artists) {
    const count = rng.weighted([[1, 3], [2, 4], [3, 3], [4, 2], [5, 1]])
    let year = rng.int(1972, 2016)
    for (let k = 0; k < count; k++) {
      const title = uniq(() => {
        const r = rng.next()
        if (r < 0.5) return `${rng.pick(ALBUM_WORDS_A)} ${rng.pick(ALBUM_WORDS_B)}`
        if (r < 0.7) return `${rng.pick(ALBUM_WORDS_B)} of ${rng.pick(ALBUM_WORDS_A)} ${rng.pick(TRACK_NOUNS)}s`
        if (r < 0.85) return `The ${rng.pick(TRACK_NOUNS)} Sessions`
        return `${rng.pick(TRACK_NOUNS)} ${rng.pick(['I', 'II', 'III', 'Live', 'Deluxe Edition', '(Remastered)'])}`
      }, albumTitles)
      albums.push({
        album_id: ++albumId,
        title,
        artist_id: artist.artist_id,
        release_year: Math.min(year, 2024),
        genre_id: rng.chance(0.85) ? artist.primary_genre : rng.int(1, genres.length),
      })
      year += rng.int(1, 4)
    }
  }

  const composers = []
  for (let i = 0; i < 45; i++) composers.push(`${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`)

  const tracks = []
  let trackId = 0
  for (const album of albums) {
    const genreName = genres[album.genre_id - 1].name
    const count = genreName === 'Classical' ? rng.int(6, 12) : rng.int(8, 16)
    const isVideo = genreName === 'Soundtrack' && rng.chance(0.5)
    const mediaTypeId = isVideo ? 5 : rng.weighted([[1, 60], [2, 20], [3, 12], [4, 8]])
    const albumComposers = rng.sample(composers, 3)
    const names = new Set()
    for (let k = 0; k < count; k++) {
      const name = uniq(() => {
        if (genreName === 'Classical') return `${rng.pick(CLASSICAL_FORMS)} No. ${rng.int(1, 24)} in ${rng.pick(CLASSICAL_KEYS)}`
        const r = rng.next()
        if (r < 0.45) return `${rng.pick(TRACK_WORDS_A)} ${rng.pick(TRACK_WORDS_B)}`
        if (r < 0.75) return `${rng.pick(['The', 'My', 'Your', 'Our', 'Paper', 'Silver'])} ${rng.pick(TRACK_NOUNS)}`
        return `${rng.pick(TRACK_NOUNS)} ${rng.pick(TRACK_WORDS_B)}`
      }, names)
      const milliseconds = genreName === 'Classical' ? rng.int(180000, 720000)
        : isVideo ? rng.int(1200000, 2700000)
        : rng.int(125000, 410000)
      // Roughly the encoded size for the media type; FLAC ~4x MPEG, video far larger.
      const bytesPerMs = [32, 28, 110, 16, 180][mediaTypeId - 1]
      const bytes = Math.round(milliseconds * bytesPerMs * (0.9 + rng.next() * 0.2))
      const composer = genreName === 'Classical' ? albumComposers[0]
        : rng.chance(0.32) ? null
        : rng.chance(0.7) ? rng.pick(albumComposers)
        : `${rng.pick(albumComposers)}, ${rng.pick(albumComposers)}`
      tracks.push({
        track_id: ++trackId,
        name,
        album_id: album.album_id,
        genre_id: rng.chance(0.92) ? album.genre_id : rng.int(1, genres.length),
        media_type_id: mediaTypeId,
        composer: composer && composer.includes(', ') && composer.split(', ')[0] === composer.split(', ')[1] ? composer.split(', ')[0] : composer,
        milliseconds,
        bytes,
        unit_price: isVideo ? 1.99 : mediaTypeId === 3 ? 1.29 : 0.99,
      })
    }
  }

  const employeeSeed = [
    // [first, last, title, reports_to, placeIndex, hire_date]: managers were hired before their reports.
    ['Margaret', 'Holloway', 'General Manager', null, 5, '2015-03-02'],
    ['Daniel', 'Okafor', 'Sales Manager', 1, 5, '2015-09-14'],
    ['Priya', 'Raman', 'Sales Support Agent', 2, 5, '2017-04-03'],
    ['Lucas', 'Bergström', 'Sales Support Agent', 2, 6, '2018-10-22'],
    ['Hannah', 'Kim', 'Sales Support Agent', 2, 5, '2020-01-13'],
    ['Victor', 'Almeida', 'IT Manager', 1, 5, '2016-02-01'],
    ['Sofia', 'Marchetti', 'IT Staff', 6, 7, '2019-06-17'],
    ['Tom', 'Fletcher', 'IT Staff', 6, 5, '2021-08-30'],
  ]
  const employees = employeeSeed.map(([first, last, title, reportsTo, placeIdx, hire], i) => {
    const [city, state, country, phone] = PLACES[placeIdx]
    return {
      employee_id: i + 1,
      first_name: first,
      last_name: last,
      title,
      reports_to: reportsTo,
      birth_date: isoDate(rng.int(1962, 1994), rng.int(1, 12), rng.int(1, 28)),
      hire_date: hire,
      city,
      state,
      country,
      phone: `${phone} ${rng.int(100, 999)} ${rng.int(1000, 9999)}`,
      email: `${slug(first)}.${slug(last)}@melodymart.example`,
    }
  })
  const salesAgents = employees.filter((e) => e.title === 'Sales Support Agent').map((e) => e.employee_id)

  const placeWeights = PLACES.map((p, i) => [i, PLACE_WEIGHTS[p[2]] ?? 1])
  const customerNames = new Set()
  const customers = []
  for (let i = 1; i <= 60; i++) {
    const fullName = uniq(() => `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`, customerNames)
    const [first, last] = fullName.split(' ')
    const [city, state, country, phone, tld] = PLACES[rng.weighted(placeWeights)]
    const company = rng.chance(0.25) ? `${rng.pick(LAST_NAMES)} ${rng.pick(COMPANY_WORDS)}` : null
    customers.push({
      customer_id: i,
      first_name: first,
      last_name: last,
      company,
      city,
      state,
      country,
      postal_code: rng.chance(0.9) ? String(rng.int(10000, 99999)) : null,
      phone: `${phone} ${rng.int(100, 999)} ${rng.int(1000, 9999)}`,
      email: company
        ? `${slug(first)}.${slug(last)}@${slug(company)}.${tld}`
        : `${slug(first)}${rng.chance(0.5) ? '.' : ''}${slug(last)}${rng.chance(0.3) ? rng.int(1, 99) : ''}@${rng.pick(EMAIL_PROVIDERS)}.${tld}`,
      support_rep_id: rng.pick(salesAgents),
    })
  }

  // Invoices: each customer buys several times over 2021-2024; popular (cheaper, non-video) tracks sell more.
  const invoiceDrafts = []
  for (const c of customers) {
    const n = rng.int(4, 10)
    for (let k = 0; k < n; k++) {
      invoiceDrafts.push({ customer: c, date: addDays('2021-01-01', rng.int(0, 1460)) })
    }
  }
  // Invoice ids follow date order, like a real sequence would.
  invoiceDrafts.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.customer.customer_id - b.customer.customer_id))
  const popularTracks = rng.sample(tracks.map((t) => t.track_id), 300)
  const invoices = []
  const invoiceItems = []
  let itemId = 0
  invoiceDrafts.forEach((draft, idx) => {
    const invoiceId = idx + 1
    const nItems = rng.weighted([[1, 10], [2, 12], [3, 12], [4, 12], [5, 12], [6, 10], [7, 8], [8, 6], [9, 5], [10, 4], [12, 3], [14, 2]])
    const chosen = new Set()
    let totalCents = 0
    for (let k = 0; k < nItems; k++) {
      const trackId = uniq(() => (rng.chance(0.4) ? rng.pick(popularTracks) : rng.int(1, tracks.length)), chosen)
      const track = tracks[trackId - 1]
      const quantity = rng.chance(0.06) ? 2 : 1
      totalCents += Math.round(track.unit_price * 100) * quantity
      invoiceItems.push({ invoice_item_id: ++itemId, invoice_id: invoiceId, track_id: trackId, unit_price: track.unit_price, quantity })
    }
    const c = draft.customer
    invoices.push({
      invoice_id: invoiceId,
      customer_id: c.customer_id,
      invoice_date: draft.date,
      billing_city: c.city,
      billing_state: c.state,
      billing_country: c.country,
      total: totalCents / 100,
    })
  })

  const playlists = PLAYLISTS.map(([name], i) => ({ playlist_id: i + 1, name }))
  const playlistTracks = []
  PLAYLISTS.forEach(([, genreName, size], i) => {
    const pool = genreName ? tracks.filter((t) => genres[t.genre_id - 1].name === genreName) : tracks
    const chosen = rng.sample(pool.map((t) => t.track_id), Math.min(size, pool.length)).sort((a, b) => a - b)
    for (const trackId of chosen) playlistTracks.push({ playlist_id: i + 1, track_id: trackId })
  })

  return {
    genres, mediaTypes,
    artists: artists.map(({ artist_id, name, country }) => ({ artist_id, name, country })),
    albums: albums.map(({ album_id, title, artist_id, release_year }) => ({ album_id, title, artist_id, release_year })),
    tracks, employees, customers, invoices, invoiceItems, playlists, playlistTracks,
  }
}

// ---------------------------------------------------------------------------------------------------
// Schema and writing
// ---------------------------------------------------------------------------------------------------

const SCHEMA = `
CREATE TABLE genres (
  genre_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE media_types (
  media_type_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE artists (
  artist_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  country TEXT
);
CREATE TABLE albums (
  album_id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  artist_id INTEGER NOT NULL REFERENCES artists(artist_id),
  release_year INTEGER
);
CREATE TABLE tracks (
  track_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  album_id INTEGER NOT NULL REFERENCES albums(album_id),
  genre_id INTEGER REFERENCES genres(genre_id),
  media_type_id INTEGER NOT NULL REFERENCES media_types(media_type_id),
  composer TEXT,
  milliseconds INTEGER NOT NULL,
  bytes INTEGER,
  unit_price NUMERIC(10,2) NOT NULL
);
CREATE TABLE employees (
  employee_id INTEGER PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  title TEXT,
  reports_to INTEGER REFERENCES employees(employee_id),
  birth_date TEXT,
  hire_date TEXT,
  city TEXT,
  state TEXT,
  country TEXT,
  phone TEXT,
  email TEXT NOT NULL UNIQUE
);
CREATE TABLE customers (
  customer_id INTEGER PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  company TEXT,
  city TEXT,
  state TEXT,
  country TEXT NOT NULL,
  postal_code TEXT,
  phone TEXT,
  email TEXT NOT NULL UNIQUE,
  support_rep_id INTEGER REFERENCES employees(employee_id)
);
CREATE TABLE invoices (
  invoice_id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
  invoice_date TEXT NOT NULL,
  billing_city TEXT,
  billing_state TEXT,
  billing_country TEXT,
  total NUMERIC(10,2) NOT NULL
);
CREATE TABLE invoice_items (
  invoice_item_id INTEGER PRIMARY KEY,
  invoice_id INTEGER NOT NULL REFERENCES invoices(invoice_id),
  track_id INTEGER NOT NULL REFERENCES tracks(track_id),
  unit_price NUMERIC(10,2) NOT NULL,
  quantity INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE playlists (
  playlist_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE playlist_tracks (
  playlist_id INTEGER NOT NULL REFERENCES playlists(playlist_id),
  track_id INTEGER NOT NULL REFERENCES tracks(track_id),
  PRIMARY KEY (playlist_id, track_id)
);

CREATE INDEX idx_albums_artist ON albums(artist_id);
CREATE INDEX idx_tracks_album ON tracks(album_id);
CREATE INDEX idx_tracks_genre ON tracks(genre_id);
CREATE INDEX idx_customers_support_rep ON customers(support_rep_id);
CREATE INDEX idx_invoices_customer ON invoices(customer_id);
CREATE INDEX idx_invoices_date ON invoices(invoice_date);
CREATE INDEX idx_invoice_items_invoice ON invoice_items(invoice_id);
CREATE INDEX idx_invoice_items_track ON invoice_items(track_id);
CREATE INDEX idx_playlist_tracks_track ON playlist_tracks(track_id);

CREATE VIEW v_sales_by_genre AS
SELECT g.genre_id, g.name AS genre,
       SUM(ii.quantity) AS units_sold,
       ROUND(SUM(ii.unit_price * ii.quantity), 2) AS revenue
FROM invoice_items ii
JOIN tracks t ON t.track_id = ii.track_id
JOIN genres g ON g.genre_id = t.genre_id
GROUP BY g.genre_id, g.name;

CREATE VIEW v_track_details AS
SELECT t.track_id, t.name AS track, al.title AS album, ar.name AS artist, g.name AS genre,
       m.name AS media_type, t.composer, t.milliseconds, t.unit_price
FROM tracks t
JOIN albums al ON al.album_id = t.album_id
JOIN artists ar ON ar.artist_id = al.artist_id
LEFT JOIN genres g ON g.genre_id = t.genre_id
JOIN media_types m ON m.media_type_id = t.media_type_id;
`

function insertAll(db, table, rows) {
  if (rows.length === 0) return
  const cols = Object.keys(rows[0])
  const stmt = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`)
  for (const row of rows) stmt.run(row)
}

export function buildDemoDb(outPath) {
  const data = generate()
  fs.mkdirSync(path.dirname(outPath), { recursive: true })
  // Build beside the target and rename, so a reader never sees a half-written demo database.
  const tmpPath = `${outPath}.tmp-${process.pid}`
  for (const p of [tmpPath, `${tmpPath}-journal`]) fs.rmSync(p, { force: true })
  const db = new Database(tmpPath)
  try {
    db.pragma('journal_mode = DELETE')
    db.pragma('foreign_keys = ON')
    db.pragma(`user_version = ${DEMO_DB_VERSION}`)
    db.exec(SCHEMA)
    db.transaction(() => {
      insertAll(db, 'genres', data.genres)
      insertAll(db, 'media_types', data.mediaTypes)
      insertAll(db, 'artists', data.artists)
      insertAll(db, 'albums', data.albums)
      insertAll(db, 'tracks', data.tracks)
      insertAll(db, 'employees', data.employees)
      insertAll(db, 'customers', data.customers)
      insertAll(db, 'invoices', data.invoices)
      insertAll(db, 'invoice_items', data.invoiceItems)
      insertAll(db, 'playlists', data.playlists)
      insertAll(db, 'playlist_tracks', data.playlistTracks)
    })()
    const fkProblems = db.pragma('foreign_key_check')
    if (fkProblems.length > 0) throw new Error(`foreign key violations: ${JSON.stringify(fkProblems.slice(0, 5))}`)
    db.exec('ANALYZE')
    db.exec('VACUUM')
    db.close()
  } catch (err) {
    if (db.open) db.close()
    fs.rmSync(tmpPath, { force: true })
    throw err
  }
  fs.renameSync(tmpPath, outPath)
  return {
    path: outPath,
    rows: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.length])),
    bytes: fs.statSync(outPath).size,
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { out } = parseArgs(process.argv.slice(2))
    const result = buildDemoDb(out)
    const total = Object.values(result.rows).reduce((a, b) => a + b, 0)
    process.stdout.write(`Wrote ${path.relative(process.cwd(), result.path) || result.path} (${result.bytes} bytes, ${total} rows)\n`)
    for (const [table, n] of Object.entries(result.rows)) process.stdout.write(`  ${table}: ${n}\n`)
  } catch (err) {
    process.stderr.write(`build-demo-db: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}
