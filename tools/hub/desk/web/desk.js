// The hub desk's page: sign in, upload photos, type each photo's figures with ingestion's checks
// answered by the desk as they are typed (/api/check runs Validate, the code ingestion runs: no
// check is repeated here), settle conflicts, correct rejected answers, follow the hub's progress.
// Words in Kazakh, Russian and English; the registry's names in the chosen language.
'use strict';

const FIGURES = ['registered_voters', 'additional_list_voters', 'ballots_received',
                 'ballots_issued', 'ballots_cancelled', 'ballots_in_box', 'ballots_spoiled',
                 'ballots_valid'];

const WORDS = {
  en: {
    title: 'Hub desk', sign_in: 'Sign in', name: 'Name', token: 'Token', upload: 'Upload',
    photos: 'Photos', type_next: 'Type the next photo', progress: 'Progress',
    station: 'Station', contest: 'Contest', observer: 'Observer', photo_file: 'Photo (JPEG or PNG)',
    revision: 'Revision', state: 'State', options: 'Votes per option', save: 'Save',
    settle: 'Decide', correct: 'Correct as a new revision', operators: 'Operators',
    conflict_title: 'Two entries differ: decide from the photo', use_entry: 'Use these figures',
    nothing_to_type: 'No photo waits for you.', saved: 'Saved.', region: 'Region',
    operator: 'Operator', entries: 'Entries', last_hour: 'Last hour', disagreement: 'Disagreement',
    decisions: 'Decisions', sign_out: 'Sign out', answer: 'Ingestion answered',
    sender_ok: 'Ingestion is reachable.', sender_down: 'Ingestion is unreachable; the queue waits:',
    unanswered: 'Waiting for an answer', total: 'All', typed_by_you: 'You typed this revision.',
    must_fix: 'Ingestion would reject these figures; fix them first.',
    session_ended: 'Your session ended (signed out, or idle too long). Sign in again: nothing ' +
                   'saved is lost, and what you typed on this screen is kept for you.',
    signed_out: 'Signed out.',
    zoom_in: 'Zoom in (+)', zoom_out: 'Zoom out (−)', rotate_left: 'Rotate left (L)',
    rotate_right: 'Rotate right (R)', view_reset: 'Fit (0)',
    view_keys: 'Keys on the photo: + − R L 0; anywhere on this screen with Alt.',
    // Each reason from its code and the figures it is about (v: reasonValues below).
    reasons: {
      MISSING: (v) => (v.options ? `no votes given for ${v.options}` : `${v.label} is missing`),
      NEGATIVE: (v) => `${v.label} is negative (${v.value})`,
      INVALID_VALUE: (v) => `${v.label} is ${v.value}, too large for any protocol`,
      IMPLAUSIBLE: (v) => `${v.label} is ${v.value}, impossible for a station the registry lists ` +
                          `with ${v.registry} voters: the limit is ${v.limit}`,
      VALID_PLUS_SPOILED_NOT_IN_BOX: (v) => `valid ${v.f.ballots_valid} + spoiled ` +
          `${v.f.ballots_spoiled} = ${v.f.ballots_valid + v.f.ballots_spoiled}, but ` +
          `${v.f.ballots_in_box} in the boxes`,
      OPTION_VOTES_NOT_VALID: (v) => `the options' votes add up to ${v.optionSum}, but ` +
                                     `${v.f.ballots_valid} valid`,
      IN_BOX_ABOVE_ISSUED: (v) => `${v.f.ballots_in_box} in the boxes, more than the ` +
                                  `${v.f.ballots_issued} issued`,
      ISSUED_ABOVE_REGISTERED: (v) => `${v.f.ballots_issued} issued, more than the ` +
          `${v.f.registered_voters} on the list (+${v.f.additional_list_voters} added)`,
      RECEIVED_NOT_ISSUED_PLUS_CANCELLED: (v) => `${v.f.ballots_received} received, but issued ` +
          `${v.f.ballots_issued} + cancelled ${v.f.ballots_cancelled} = ` +
          `${v.f.ballots_issued + v.f.ballots_cancelled}`,
      REGISTERED_NOT_REGISTRY: (v) => `${v.f.registered_voters} on the protocol's list, but the ` +
                                      `registry lists ${v.registry}`,
    },
    fields: {
      registered_voters: 'Voters on the list', additional_list_voters: 'Added on election day',
      ballots_received: 'Ballots received', ballots_issued: 'Ballots issued',
      ballots_cancelled: 'Ballots cancelled (unused)', ballots_in_box: 'Ballots in the boxes',
      ballots_spoiled: 'Spoiled ballots', ballots_valid: 'Valid ballots',
    },
    states: {
      received: 'received', typed_once: 'typed once', conflict: 'in conflict', queued: 'queued',
      sent: 'sent', accepted: 'accepted', flagged: 'accepted with flags',
      duplicate: 'accepted (sent before)', rejected: 'rejected', not_sent: 'not sent',
    },
    // Ingestion's reason codes (REASON_CODE_…) by name; its message follows in its own words.
    codes: {
      MISSING: 'missing',
      NEGATIVE: 'negative',
      IMPLAUSIBLE: 'impossible for this station',
      INVALID_VALUE: 'invalid',
      VALID_PLUS_SPOILED_NOT_IN_BOX: 'valid + spoiled ≠ in the boxes',
      OPTION_VOTES_NOT_VALID: 'votes per option ≠ valid',
      IN_BOX_ABOVE_ISSUED: 'in the boxes > issued',
      ISSUED_ABOVE_REGISTERED: 'issued > on the list',
      RECEIVED_NOT_ISSUED_PLUS_CANCELLED: 'received ≠ issued + cancelled',
      REGISTERED_NOT_REGISTRY: 'on the list ≠ in the registry',
    },
    counts: {
      received: 'Received', typed_once: 'Typed once', typed_twice: 'Typed twice',
      in_conflict: 'In conflict', queued: 'Queued', sent: 'Sent', acknowledged: 'Acknowledged',
      flagged: 'Flagged', rejected: 'Rejected',
    },
  },
  ru: {
    title: 'Стол хаба', sign_in: 'Войти', name: 'Имя', token: 'Токен', upload: 'Загрузить',
    photos: 'Фото', type_next: 'Ввести следующее фото', progress: 'Ход работы',
    station: 'Участок', contest: 'Выборы', observer: 'Наблюдатель',
    photo_file: 'Фото (JPEG или PNG)', revision: 'Версия', state: 'Состояние',
    options: 'Голоса по строкам бюллетеня', save: 'Сохранить', settle: 'Решить',
    correct: 'Исправить новой версией', operators: 'Операторы',
    conflict_title: 'Два ввода расходятся: решите по фото', use_entry: 'Взять эти цифры',
    nothing_to_type: 'Фото для вас нет.', saved: 'Сохранено.', region: 'Регион',
    operator: 'Оператор', entries: 'Вводов', last_hour: 'За час', disagreement: 'Расхождения',
    decisions: 'Решений', sign_out: 'Выйти', answer: 'Ответ приёма',
    sender_ok: 'Приём доступен.', sender_down: 'Приём недоступен; очередь ждёт:',
    unanswered: 'Ждут ответа', total: 'Всего', typed_by_you: 'Вы уже ввели эту версию.',
    must_fix: 'Приём отклонил бы эти цифры; сначала исправьте их.',
    session_ended: 'Сеанс завершён (выход или долгий простой). Войдите снова: сохранённое не ' +
                   'потеряно, а введённое на этом экране сохранено для вас.',
    signed_out: 'Вы вышли.',
    zoom_in: 'Увеличить (+)', zoom_out: 'Уменьшить (−)', rotate_left: 'Повернуть влево (L)',
    rotate_right: 'Повернуть вправо (R)', view_reset: 'По размеру (0)',
    view_keys: 'Клавиши на фото: + − R L 0; на всём экране — с Alt.',
    reasons: {
      MISSING: (v) => (v.options ? `не указаны голоса: ${v.options}` : `${v.label}: не заполнено`),
      NEGATIVE: (v) => `${v.label}: отрицательное число (${v.value})`,
      INVALID_VALUE: (v) => `${v.label}: ${v.value} — слишком большое число для протокола`,
      IMPLAUSIBLE: (v) => `${v.label}: ${v.value} — невозможно для участка, где по реестру ` +
                          `${v.registry} избирателей: предел ${v.limit}`,
      VALID_PLUS_SPOILED_NOT_IN_BOX: (v) => `действительных ${v.f.ballots_valid} + ` +
          `недействительных ${v.f.ballots_spoiled} = ${v.f.ballots_valid + v.f.ballots_spoiled}, ` +
          `а в ящиках ${v.f.ballots_in_box}`,
      OPTION_VOTES_NOT_VALID: (v) => `сумма голосов по строкам ${v.optionSum}, а действительных ` +
                                     `${v.f.ballots_valid}`,
      IN_BOX_ABOVE_ISSUED: (v) => `в ящиках ${v.f.ballots_in_box}, больше, чем выдано ` +
                                  `(${v.f.ballots_issued})`,
      ISSUED_ABOVE_REGISTERED: (v) => `выдано ${v.f.ballots_issued}, больше, чем в списке ` +
          `(${v.f.registered_voters} + ${v.f.additional_list_voters} внесённых в день голосования)`,
      RECEIVED_NOT_ISSUED_PLUS_CANCELLED: (v) => `получено ${v.f.ballots_received}, а выдано ` +
          `${v.f.ballots_issued} + погашено ${v.f.ballots_cancelled} = ` +
          `${v.f.ballots_issued + v.f.ballots_cancelled}`,
      REGISTERED_NOT_REGISTRY: (v) => `в списке по протоколу ${v.f.registered_voters}, а по ` +
                                      `реестру ${v.registry}`,
    },
    fields: {
      registered_voters: 'Избирателей в списке', additional_list_voters: 'Внесено в день голосования',
      ballots_received: 'Получено бюллетеней', ballots_issued: 'Выдано бюллетеней',
      ballots_cancelled: 'Погашено бюллетеней', ballots_in_box: 'Бюллетеней в ящиках',
      ballots_spoiled: 'Недействительных бюллетеней', ballots_valid: 'Действительных бюллетеней',
    },
    states: {
      received: 'получено', typed_once: 'введено раз', conflict: 'расхождение',
      queued: 'в очереди', sent: 'отправлено', accepted: 'принято',
      flagged: 'принято с отметками', duplicate: 'принято (отправлено ранее)',
      rejected: 'отклонено', not_sent: 'не отправлено',
    },
    codes: {
      MISSING: 'не заполнено',
      NEGATIVE: 'отрицательное число',
      IMPLAUSIBLE: 'невозможно для участка',
      INVALID_VALUE: 'недопустимое значение',
      VALID_PLUS_SPOILED_NOT_IN_BOX: 'действительные + недействительные ≠ в ящиках',
      OPTION_VOTES_NOT_VALID: 'сумма голосов ≠ действительные',
      IN_BOX_ABOVE_ISSUED: 'в ящиках > выдано',
      ISSUED_ABOVE_REGISTERED: 'выдано > в списке',
      RECEIVED_NOT_ISSUED_PLUS_CANCELLED: 'получено ≠ выдано + погашено',
      REGISTERED_NOT_REGISTRY: 'в списке ≠ по реестру',
    },
    counts: {
      received: 'Получено', typed_once: 'Введено раз', typed_twice: 'Введено дважды',
      in_conflict: 'Расхождения', queued: 'В очереди', sent: 'Отправлено',
      acknowledged: 'Подтверждено', flagged: 'С отметками', rejected: 'Отклонено',
    },
  },
  kk: {
    title: 'Хаб үстелі', sign_in: 'Кіру', name: 'Аты', token: 'Токен', upload: 'Жүктеу',
    photos: 'Суреттер', type_next: 'Келесі суретті енгізу', progress: 'Жұмыс барысы',
    station: 'Учаске', contest: 'Сайлау', observer: 'Байқаушы',
    photo_file: 'Сурет (JPEG немесе PNG)', revision: 'Нұсқа', state: 'Күйі',
    options: 'Бюллетень жолдары бойынша дауыстар', save: 'Сақтау', settle: 'Шешу',
    correct: 'Жаңа нұсқамен түзету', operators: 'Операторлар',
    conflict_title: 'Екі енгізу сәйкес емес: суреттен шешіңіз', use_entry: 'Осы сандарды алу',
    nothing_to_type: 'Сізге сурет жоқ.', saved: 'Сақталды.', region: 'Өңір',
    operator: 'Оператор', entries: 'Енгізулер', last_hour: 'Соңғы сағат',
    disagreement: 'Сәйкессіздік', decisions: 'Шешімдер', sign_out: 'Шығу',
    answer: 'Қабылдау жауабы', sender_ok: 'Қабылдау қолжетімді.',
    sender_down: 'Қабылдау қолжетімсіз; кезек күтуде:', unanswered: 'Жауап күтуде',
    total: 'Барлығы', typed_by_you: 'Сіз бұл нұсқаны енгіздіңіз.',
    must_fix: 'Қабылдау бұл сандарды қабылдамайды; алдымен түзетіңіз.',
    session_ended: 'Сеанс аяқталды (шығу немесе ұзақ әрекетсіздік). Қайта кіріңіз: сақталғаны ' +
                   'жоғалмайды, осы экранда енгізгеніңіз сізге сақталды.',
    signed_out: 'Сіз шықтыңыз.',
    zoom_in: 'Үлкейту (+)', zoom_out: 'Кішірейту (−)', rotate_left: 'Солға бұру (L)',
    rotate_right: 'Оңға бұру (R)', view_reset: 'Өлшеміне келтіру (0)',
    view_keys: 'Суреттегі пернелер: + − R L 0; бүкіл экранда — Alt-пен.',
    reasons: {
      MISSING: (v) => (v.options ? `дауыстар көрсетілмеген: ${v.options}` :
                                   `${v.label}: толтырылмаған`),
      NEGATIVE: (v) => `${v.label}: теріс сан (${v.value})`,
      INVALID_VALUE: (v) => `${v.label}: ${v.value} — хаттама үшін тым үлкен сан`,
      IMPLAUSIBLE: (v) => `${v.label}: ${v.value} — тізілім бойынша ${v.registry} сайлаушысы ` +
                          `бар учаске үшін мүмкін емес: шегі ${v.limit}`,
      VALID_PLUS_SPOILED_NOT_IN_BOX: (v) => `жарамды ${v.f.ballots_valid} + жарамсыз ` +
          `${v.f.ballots_spoiled} = ${v.f.ballots_valid + v.f.ballots_spoiled}, бірақ жәшіктерде ` +
          `${v.f.ballots_in_box}`,
      OPTION_VOTES_NOT_VALID: (v) => `жолдар бойынша дауыстар қосындысы ${v.optionSum}, бірақ ` +
                                     `жарамды ${v.f.ballots_valid}`,
      IN_BOX_ABOVE_ISSUED: (v) => `жәшіктерде ${v.f.ballots_in_box}, берілгеннен ` +
                                  `(${v.f.ballots_issued}) көп`,
      ISSUED_ABOVE_REGISTERED: (v) => `берілген ${v.f.ballots_issued}, тізімдегіден ` +
          `(${v.f.registered_voters} + сайлау күні қосылған ${v.f.additional_list_voters}) көп`,
      RECEIVED_NOT_ISSUED_PLUS_CANCELLED: (v) => `алынған ${v.f.ballots_received}, бірақ ` +
          `берілген ${v.f.ballots_issued} + жойылған ${v.f.ballots_cancelled} = ` +
          `${v.f.ballots_issued + v.f.ballots_cancelled}`,
      REGISTERED_NOT_REGISTRY: (v) => `хаттамадағы тізімде ${v.f.registered_voters}, бірақ ` +
                                      `тізілімде ${v.registry}`,
    },
    fields: {
      registered_voters: 'Тізімдегі сайлаушылар', additional_list_voters: 'Сайлау күні қосылғандар',
      ballots_received: 'Алынған бюллетеньдер', ballots_issued: 'Берілген бюллетеньдер',
      ballots_cancelled: 'Жойылған бюллетеньдер', ballots_in_box: 'Жәшіктегі бюллетеньдер',
      ballots_spoiled: 'Жарамсыз бюллетеньдер', ballots_valid: 'Жарамды бюллетеньдер',
    },
    states: {
      received: 'алынды', typed_once: 'бір рет енгізілді', conflict: 'сәйкессіздік',
      queued: 'кезекте', sent: 'жіберілді', accepted: 'қабылданды',
      flagged: 'белгілермен қабылданды', duplicate: 'қабылданды (бұрын жіберілген)',
      rejected: 'қабылданбады', not_sent: 'жіберілмеді',
    },
    codes: {
      MISSING: 'толтырылмаған',
      NEGATIVE: 'теріс сан',
      IMPLAUSIBLE: 'учаске үшін мүмкін емес',
      INVALID_VALUE: 'жарамсыз мән',
      VALID_PLUS_SPOILED_NOT_IN_BOX: 'жарамды + жарамсыз ≠ жәшіктегі',
      OPTION_VOTES_NOT_VALID: 'дауыстар қосындысы ≠ жарамды',
      IN_BOX_ABOVE_ISSUED: 'жәшіктегі > берілген',
      ISSUED_ABOVE_REGISTERED: 'берілген > тізімдегі',
      RECEIVED_NOT_ISSUED_PLUS_CANCELLED: 'алынған ≠ берілген + жойылған',
      REGISTERED_NOT_REGISTRY: 'тізімдегі ≠ тізілім бойынша',
    },
    counts: {
      received: 'Алынды', typed_once: 'Бір рет енгізілді', typed_twice: 'Екі рет енгізілді',
      in_conflict: 'Сәйкессіздік', queued: 'Кезекте', sent: 'Жіберілді',
      acknowledged: 'Расталды', flagged: 'Белгілермен', rejected: 'Қабылданбады',
    },
  },
};

let language = localStorage.getItem('desk.language') ||
    (navigator.language.startsWith('kk') ? 'kk' : navigator.language.startsWith('ru') ? 'ru' : 'en');
const t = (key) => WORDS[language][key] ?? WORDS.en[key] ?? key;
const nameOf = (names) => (names && (names.localized_names?.[language] || names.name)) || '';
const $ = (id) => document.getElementById(id);
// A reason's code in the chosen language ('' for a code without a name here).
const codeName = (code) => t('codes')[String(code).replace('REASON_CODE_', '')] || '';

// The signed-in operator ('' when signed out).
let operator = '';

// `background`: the page asking again by itself, which does not keep the session alive.
async function api(method, path, body, type = 'application/json', background = false) {
  const init = {method, headers: background ? {'X-Desk-Background': '1'} : {}};
  if (body !== undefined) {
    init.body = type === 'application/json' ? JSON.stringify(body) : body;
    init.headers['Content-Type'] = type;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    // The desk restarting, or the network: the page stays as it is and says so.
    return {ok: false, status: 0, json: {message: String(e)}};
  }
  const json = await response.json().catch(() => ({}));
  // Signed in until now: the session ended (signed out elsewhere, or idle too long).
  if (response.status === 401 && operator) showLogin('session_ended');
  return {ok: response.ok, status: response.status, json};
}

function translate() {
  document.documentElement.lang = language;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-title]')) {
    node.title = t(node.dataset.i18nTitle);
  }
  $('language').value = language;
}

// Back to sign-in; `why` (a word's key) says why. The screen under it stays as it was, and what
// was typed on it is kept as a draft (keepDraft), so that signing in again brings both back.
function showLogin(why = '') {
  operator = '';
  clearTimeout(refreshTimer);
  $('login').hidden = false;
  $('main').hidden = true;
  $('sign-out').hidden = true;
  $('login-reason').textContent = why ? t(why) : '';
  $('login-reason').dataset.reason = why;
}

async function signOut() {
  await api('POST', '/api/logout');
  const mine = `desk.draft.${operator}.`;
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith(mine)) sessionStorage.removeItem(key);
  }
  showLogin('signed_out');
}

// Figures typed but not saved, per operator, photo and revision, for the tab's life: a session
// that ends while an operator types loses nothing they typed.
const draftKey = () => `desk.draft.${operator}.${current.photo_sha256}.${current.revision}`;
const keepDraft = () => sessionStorage.setItem(draftKey(), JSON.stringify(typedFigures()));
const dropDraft = () => sessionStorage.removeItem(draftKey());

function show(view) {
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== view;
}

async function signIn() {
  const answer = await api('POST', '/api/login',
                           {name: $('login-name').value, token: $('login-token').value});
  if (!answer.ok) {
    $('login-error').textContent = answer.json.message || String(answer.status);
    return;
  }
  await start();
}

async function start() {
  const me = await api('GET', '/api/me');
  if (!me.ok) return showLogin();
  operator = me.json.name;
  $('who').textContent = `${me.json.name} (${me.json.role})`;
  $('who').dataset.operator = me.json.name;
  $('login').hidden = true;
  $('main').hidden = false;
  $('sign-out').hidden = false;
  $('login-error').textContent = '';
  route();
}

// #photo=<sha> opens a photo; #photos, #progress, #upload a view.
function route() {
  const hash = location.hash.slice(1);
  if (hash.startsWith('photo=')) return openPhoto(hash.slice(6));
  if (hash === 'photos') return listPhotos();
  if (hash === 'progress') return showProgress();
  show('upload');
}

async function upload() {
  const file = $('upload-file').files[0];
  const result = $('upload-result');
  result.textContent = '';
  delete result.dataset.sha256;
  const params = new URLSearchParams({station_id: $('upload-station').value.trim(),
                                      contest_id: $('upload-contest').value.trim(),
                                      observer_id: $('upload-observer').value.trim()});
  if (!file) return;
  const answer = await api('POST', `/api/photos?${params}`, await file.arrayBuffer(),
                           file.type || 'application/octet-stream');
  if (!answer.ok) {
    result.className = 'error';
    result.textContent = answer.json.message;
    return;
  }
  result.className = '';
  result.textContent = answer.json.photo_sha256;
  result.dataset.sha256 = answer.json.photo_sha256;
}

async function listPhotos() {
  show('photos');
  const answer = await api('GET', '/api/photos');
  if (!answer.ok) return;
  const body = $('photo-table').tBodies[0];
  body.replaceChildren();
  for (const photo of answer.json.photos) {
    const row = body.insertRow();
    row.className = 'clickable';
    row.dataset.sha256 = photo.photo_sha256;
    row.dataset.state = photo.state;
    for (const text of [photo.station_id, photo.contest_id, String(photo.revision),
                        t('states')[photo.state] || photo.state, photo.photo_sha256.slice(0, 16)]) {
      row.insertCell().textContent = text;
    }
    row.cells[3].className = `state-${photo.state}`;
    row.onclick = () => { location.hash = `photo=${photo.photo_sha256}`; };
  }
}

async function typeNext() {
  const answer = await api('GET', '/api/next');
  if (answer.ok && answer.json.photo_sha256) {
    const hash = `photo=${answer.json.photo_sha256}`;
    // Setting another hash routes (hashchange); the same one must be routed here.
    if (location.hash.slice(1) === hash) route();
    else location.hash = hash;
  } else {
    show('upload');
    $('upload-result').textContent = t('nothing_to_type');
  }
}

// The figures as typed: a field left empty is absent (Validate says it is missing).
function typedFigures() {
  const figures = {option_votes: []};
  for (const input of document.querySelectorAll('#figure-fields input')) {
    if (input.value !== '') figures[input.dataset.field] = Number(input.value);
  }
  for (const input of document.querySelectorAll('#option-fields input')) {
    const line = {option_id: input.dataset.option};
    if (input.value !== '') line.votes = Number(input.value);
    figures.option_votes.push(line);
  }
  return figures;
}

function fillFigures(figures) {
  for (const input of document.querySelectorAll('#figure-fields input')) {
    input.value = figures[input.dataset.field] ?? '';
  }
  const votes = {};
  for (const line of figures.option_votes || []) votes[line.option_id] = line.votes;
  for (const input of document.querySelectorAll('#option-fields input')) {
    input.value = votes[input.dataset.option] ?? '';
  }
}

// The field a reason names, as the form's input: protocol.figures.<name> or
// protocol.figures.option_votes[i]...
function inputOf(field) {
  const figure = field.match(/^protocol\.figures\.([a-z_]+)$/);
  if (figure) return document.querySelector(`#figure-fields input[data-field="${figure[1]}"]`);
  const line = field.match(/^protocol\.figures\.option_votes\[(\d+)\]/);
  if (line) return document.querySelectorAll('#option-fields input')[Number(line[1])];
  return null;
}

let checkSequence = 0;
let rejected = true;
// Asks the desk what ingestion would say of the figures as typed, and shows it.
async function check() {
  const sequence = ++checkSequence;
  const figures = typedFigures();
  const answer = await api('POST', '/api/check', {photo_sha256: current.photo_sha256, figures});
  if (sequence !== checkSequence || !answer.ok) return;
  showReasons(answer.json, figures);
  // Tests and scripts wait for this: the reasons shown are those of the figures as typed.
  document.body.dataset.checking = 'false';
}

// What a reason's sentence needs: the figures it was given for (f, each a number), the figure it
// names (label, value), the options' sum, the options without votes, the registry's figures.
function reasonValues(reason, figures) {
  const f = {};
  for (const name of FIGURES) f[name] = Number(figures[name] ?? 0);
  const lines = figures.option_votes || [];
  const input = inputOf(reason.field);
  const figure = reason.field.match(/^protocol\.figures\.([a-z_]+)$/);
  const line = reason.field.match(/^protocol\.figures\.option_votes\[(\d+)\]/);
  const value = figure ? figures[figure[1]] : line ? lines[Number(line[1])]?.votes : undefined;
  const form = currentForm || {};
  let options = '';
  if (reason.field === 'protocol.figures.option_votes') {
    const given = new Set(lines.filter((l) => l.votes !== undefined).map((l) => l.option_id));
    options = (form.options || []).filter((o) => !given.has(o.option_id))
        .map((o) => nameOf(o.names)).join(', ');
  }
  const ballots = figure && ['ballots_received', 'ballots_cancelled'].includes(figure[1]);
  return {
    f, value: Number(value), options,
    label: input ? input.closest('label').querySelector('span').textContent : reason.field,
    optionSum: lines.reduce((sum, l) => sum + Number(l.votes ?? 0), 0),
    registry: Number(form.registry_registered_voters),
    limit: Number(ballots ? form.plausible_ballot_limit : form.plausible_voter_limit),
  };
}

// A reason as an item: its sentence in the chosen language from its code and `figures` (the
// figures it was given for; null: the code's name and the field only), and ingestion's own English
// words, small, for the record.
function reasonItem(reason, figures) {
  const item = document.createElement('li');
  item.dataset.code = reason.code;
  item.dataset.field = reason.field;
  const sentence = t('reasons')[String(reason.code).replace('REASON_CODE_', '')];
  const text = document.createElement('span');
  text.className = 'reason-text';
  if (sentence && figures) {
    text.textContent = sentence(reasonValues(reason, figures));
  } else {
    text.textContent = [codeName(reason.code), reasonValues(reason, figures || {}).label]
        .filter(Boolean).join(' — ');
  }
  const original = document.createElement('small');
  original.className = 'original';
  original.lang = 'en';
  original.textContent = reason.message;
  item.append(text, original);
  return item;
}

function showReasons(result, figures) {
  const list = $('check');
  list.replaceChildren();
  for (const input of document.querySelectorAll('#figures input')) input.classList.remove('bad', 'warn');
  const add = (reason, kind) => {
    const item = reasonItem(reason, figures);
    item.classList.add(kind);
    list.append(item);
    const input = inputOf(reason.field);
    if (input) input.classList.add(kind === 'rejection' ? 'bad' : 'warn');
  };
  for (const reason of result.rejections || []) add(reason, 'rejection');
  for (const reason of result.flags || []) add(reason, 'flag');
  rejected = (result.rejections || []).length > 0;
  $('save-button').disabled = rejected;
  list.dataset.checked = String(checkSequence);
}

let current = null;
let checkTimer = null;

function numberInput(label, dataset) {
  const wrapper = document.createElement('label');
  const span = document.createElement('span');
  span.textContent = label;
  const input = document.createElement('input');
  input.type = 'number';
  input.min = '0';
  input.inputMode = 'numeric';
  Object.assign(input.dataset, dataset);
  input.addEventListener('input', () => {
    keepDraft();
    document.body.dataset.checking = 'true';
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 120);
  });
  wrapper.append(span, input);
  return wrapper;
}

let openSequence = 0;
// `background`: the screen asking again by itself for the answer.
async function openPhoto(sha256, background = false) {
  const opening = ++openSequence;
  const get = (path) => api('GET', path, undefined, undefined, background);
  const [photo, form] = await Promise.all([get(`/api/photo?sha256=${sha256}`),
                                           get(`/api/form?sha256=${sha256}`)]);
  // A later opening (a refresh, another photo) draws instead of this one.
  if (opening !== openSequence) return;
  if (!photo.ok || !form.ok) {
    show('upload');
    $('upload-result').textContent = (photo.json.message || form.json.message || '');
    return;
  }
  show('photo');
  if (current?.photo_sha256 !== sha256) resetView();
  current = photo.json;
  currentForm = form.json;
  $('photo-image').src = `/api/photo/image?sha256=${sha256}`;
  $('photo-title').textContent =
      `${current.station_id} · ${nameOf(form.json.contest)}`;
  $('photo-place').textContent = [nameOf(form.json.region), nameOf(form.json.district)]
      .filter(Boolean).join(' · ');
  $('photo-state').textContent = t('states')[current.state] || current.state;
  $('photo-state').dataset.state = current.state;
  $('photo-revision').textContent = `(${t('revision')} ${current.revision})`;
  $('photo-message').textContent = '';
  const fields = $('figure-fields');
  fields.replaceChildren(...FIGURES.map((f) => numberInput(t('fields')[f], {field: f})));
  $('option-fields').replaceChildren(...(form.json.options || []).map(
      (o) => numberInput(nameOf(o.names), {option: o.option_id})));
  showAnswer(current);
  $('check').replaceChildren();
  const typing = ['received', 'typed_once'].includes(current.state) && !current.you_typed;
  const settling = current.state === 'conflict' && !current.you_typed;
  $('figures').hidden = !(typing || settling);
  $('figures').dataset.mode = settling ? 'settle' : 'type';
  $('save-button').textContent = settling ? t('settle') : t('save');
  if (current.you_typed && ['typed_once', 'conflict'].includes(current.state)) {
    $('photo-message').textContent = t('typed_by_you');
  }
  showConflict(settling ? current.conflicting_entries : []);
  $('correct-button').hidden = !['rejected', 'flagged', 'not_sent'].includes(current.state);
  if (typing || settling) {
    const draft = sessionStorage.getItem(draftKey());
    if (draft) fillFigures(JSON.parse(draft));
    document.body.dataset.checking = 'true';
    check();
  }
  // Until ingestion answers, the screen asks again: the answer comes back to this photo's screen.
  clearTimeout(refreshTimer);
  if (['queued', 'sent'].includes(current.state)) {
    refreshTimer = setTimeout(() => {
      if (location.hash.slice(1) === `photo=${sha256}`) openPhoto(sha256, true);
    }, 400);
  }
}
let refreshTimer = null;
let currentForm = null;

// The photo's zoom (1: the viewport's width) and quarter turns, kept while the same photo stays
// open (its screen redraws itself while it waits for an answer).
const view = {zoom: 1, rotation: 0};
const ZOOM_STEP = 1.25;

function applyView() {
  const image = $('photo-image');
  const w = image.naturalWidth || 1;
  const h = image.naturalHeight || 1;
  const turned = view.rotation % 180 !== 0;
  const fit = Math.min(1, ($('photo-viewport').clientWidth || w) / (turned ? h : w));
  const scale = fit * view.zoom;
  // The frame is the turned and scaled photo's box, so that the viewport scrolls over all of it.
  $('photo-frame').style.width = `${(turned ? h : w) * scale}px`;
  $('photo-frame').style.height = `${(turned ? w : h) * scale}px`;
  image.style.transform = `translate(-50%, -50%) rotate(${view.rotation}deg) scale(${scale})`;
  image.dataset.zoom = String(view.zoom);
  image.dataset.rotation = String(view.rotation);
}

function resetView() {
  view.zoom = 1;
  view.rotation = 0;
  applyView();
}

const VIEW_ACTIONS = {
  'zoom-in': () => { view.zoom = Math.min(8, view.zoom * ZOOM_STEP); },
  'zoom-out': () => { view.zoom = Math.max(0.25, view.zoom / ZOOM_STEP); },
  'rotate-left': () => { view.rotation = (view.rotation + 270) % 360; },
  'rotate-right': () => { view.rotation = (view.rotation + 90) % 360; },
  'view-reset': () => { view.zoom = 1; view.rotation = 0; },
};
// By the key's place, not its letter, so that a Kazakh or Russian layout works the same.
const VIEW_KEYS = {
  Equal: 'zoom-in', NumpadAdd: 'zoom-in', Minus: 'zoom-out', NumpadSubtract: 'zoom-out',
  KeyL: 'rotate-left', KeyR: 'rotate-right', Digit0: 'view-reset', Numpad0: 'view-reset',
};

// Keys act on the photo when it has the focus, and anywhere on the photo's screen with Alt (so
// that an operator typing a figure turns the photo without leaving the field).
function viewKey(event) {
  if ($('photo').hidden || event.ctrlKey || event.metaKey) return;
  const onPhoto = document.activeElement === $('photo-viewport');
  const action = VIEW_KEYS[event.code];
  if (!action || !(event.altKey || onPhoto)) return;
  event.preventDefault();
  VIEW_ACTIONS[action]();
  applyView();
}

function showAnswer(photo) {
  const box = $('answer');
  box.replaceChildren();
  box.dataset.outcome = photo.answer?.outcome || '';
  if (!photo.answer) return;
  const title = document.createElement('p');
  title.textContent = `${t('answer')}: ${t('states')[photo.state] || photo.state}`;
  const reasons = document.createElement('ul');
  // The answer is to the decided figures of this revision.
  const figures = photo.decision?.figures || null;
  for (const reason of photo.answer.reasons || []) reasons.append(reasonItem(reason, figures));
  box.append(title, reasons);
}

function showConflict(entries) {
  $('conflict').hidden = entries.length === 0;
  const table = $('conflict-table');
  table.replaceChildren();
  if (entries.length === 0) return;
  const head = table.insertRow();
  head.insertCell();
  for (const entry of entries) head.insertCell().textContent = entry.operator;
  const value = (figures, f) => figures[f] ?? '';
  for (const f of FIGURES) {
    const row = table.insertRow();
    row.insertCell().textContent = t('fields')[f];
    const values = entries.map((e) => String(value(e.figures, f)));
    for (const v of values) {
      const cell = row.insertCell();
      cell.textContent = v;
      cell.className = 'num';
    }
    if (values[0] !== values[1]) row.dataset.differs = 'true';
  }
  for (const option of document.querySelectorAll('#option-fields input')) {
    const row = table.insertRow();
    row.insertCell().textContent = option.closest('label').querySelector('span').textContent;
    const values = entries.map((e) => String(
        (e.figures.option_votes || []).find((l) => l.option_id === option.dataset.option)?.votes ?? ''));
    for (const v of values) {
      const cell = row.insertCell();
      cell.textContent = v;
      cell.className = 'num';
    }
    if (values[0] !== values[1]) row.dataset.differs = 'true';
  }
  const choices = table.insertRow();
  choices.insertCell();
  entries.forEach((entry, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.use = String(i);
    button.textContent = t('use_entry');
    button.onclick = () => { fillFigures(entry.figures); check(); };
    choices.insertCell().append(button);
  });
}

async function save(event) {
  event.preventDefault();
  if (rejected) {
    $('photo-message').textContent = t('must_fix');
    return;
  }
  const path = $('figures').dataset.mode === 'settle' ? '/api/decisions' : '/api/entries';
  const answer = await api('POST', path,
                           {photo_sha256: current.photo_sha256, figures: typedFigures()});
  if (answer.status === 422) return showReasons(answer.json, typedFigures());
  if (!answer.ok) {
    $('photo-message').textContent = answer.json.message;
    return;
  }
  dropDraft();
  await openPhoto(current.photo_sha256);
  $('photo-message').textContent = t('saved');
}

async function correct() {
  const answer = await api('POST', `/api/corrections?sha256=${current.photo_sha256}`);
  if (!answer.ok) {
    $('photo-message').textContent = answer.json.message;
    return;
  }
  await openPhoto(current.photo_sha256);
}

const COUNTS = ['received', 'typed_once', 'typed_twice', 'in_conflict', 'queued', 'sent',
                'acknowledged', 'flagged', 'rejected'];

async function showProgress() {
  show('progress');
  const answer = await api('GET', '/api/progress');
  if (!answer.ok) return;
  const progress = answer.json;
  $('sender-status').textContent = progress.sender_error
      ? `${t('sender_down')} ${progress.sender_error}`
      : t('sender_ok');
  $('sender-status').dataset.unanswered = progress.unanswered;
  const areas = $('progress-areas');
  areas.replaceChildren();
  const head = areas.insertRow();
  for (const text of [t('region'), t('contest'), ...COUNTS.map((c) => t('counts')[c])]) {
    head.insertCell().textContent = text;
  }
  const addRow = (counts, region, contest) => {
    const row = areas.insertRow();
    row.dataset.region = region;
    row.dataset.contest = contest;
    row.insertCell().textContent = region;
    row.insertCell().textContent = contest;
    for (const c of COUNTS) {
      const cell = row.insertCell();
      cell.className = 'num';
      cell.dataset.count = c;
      cell.textContent = String(counts[c] ?? 0);
    }
  };
  for (const counts of progress.by_region_contest) {
    addRow(counts, counts.region_id, counts.contest_id);
    areas.rows[areas.rows.length - 1].cells[0].textContent = nameOf(counts.region) || counts.region_id;
  }
  addRow(progress.total, t('total'), '');
  areas.rows[areas.rows.length - 1].dataset.region = '*';
  const operators = $('progress-operators');
  operators.replaceChildren();
  const top = operators.insertRow();
  for (const text of [t('operator'), t('entries'), t('last_hour'), t('disagreement'), t('decisions')]) {
    top.insertCell().textContent = text;
  }
  for (const op of progress.operators) {
    const row = operators.insertRow();
    row.dataset.operator = op.operator;
    for (const text of [op.operator, op.entries, op.entries_last_hour,
                        `${op.disagreements}/${op.entries_compared} (${Number(op.disagreement_percent).toFixed(0)} %)`,
                        op.decisions]) {
      row.insertCell().textContent = String(text);
    }
  }
}

addEventListener('hashchange', route);
$('language').onchange = () => {
  language = $('language').value;
  localStorage.setItem('desk.language', language);
  translate();
  route();
};
$('login-button').onclick = signIn;
$('sign-out').onclick = signOut;
for (const action of Object.keys(VIEW_ACTIONS)) {
  $(action).onclick = () => {
    VIEW_ACTIONS[action]();
    applyView();
  };
}
$('photo-image').onload = applyView;
addEventListener('keydown', viewKey);
$('upload-button').onclick = upload;
$('next-button').onclick = typeNext;
$('figures').onsubmit = save;
$('correct-button').onclick = correct;
for (const button of document.querySelectorAll('nav button[data-view]')) {
  button.onclick = () => { location.hash = button.dataset.view; route(); };
}
translate();
start();
