// The portal's words in Kazakh, Russian and English, and numbers and times formatted per
// language with Intl. One table per language, the same keys in each; {name} marks a value put in.
'use strict';

const HattamaI18n = (() => {
  const LOCALES = {kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB'};
  const LANGUAGE_NAMES = {kk: 'Қазақша', ru: 'Русский', en: 'English'};

  const en = {
    title: 'Hattama — independent results from observers\' protocols',
    subtitle: 'parallel vote tabulation',
    lede: 'Results counted from the copies of station protocols that observers obtained — every ' +
        'station, published as it arrives.',
    skip: 'Skip to the results',
    language: 'Language',
    contests: 'Contests',
    loading: 'Loading…',
    turnout: 'Turnout',
    spoiled: 'Spoiled',
    stationsReporting: 'Stations reporting',
    flaggedProtocols: 'Flagged protocols',
    ofTotal: '{a} of {b}',
    barsLabel: 'Shares of the lists',
    barsNote: 'The dashed line is the {t} threshold. Shares are of valid votes in the protocols ' +
        'counted so far.',
    votes: '{n} votes',
    updated: 'Updated {time}.',
    liveSse: 'Live: updates arrive as they are counted.',
    livePolling: 'Refreshed every {s} s.',
    liveFiles: 'Live: the published files are checked every {s} s.',
    recountable: 'Recountable at log size {n}.',
    notInLog: 'Not yet in the log.',
    mapTitle: 'Map of the regions',
    colourBy: 'Colour by',
    measureLeader: 'Leading list',
    measureTurnout: 'Turnout',
    measureCoverage: 'Coverage (stations reporting)',
    measureDifference: 'Official − observers, turnout',
    noData: 'no data',
    notHeld: 'not held here',
    mapHint: 'Choose a tile (click it, or Tab to it and press Enter) for its districts; a ' +
        'district for its stations.',
    mapLabel: 'Tile map of {area}, coloured by {measure}',
    mapDistrictLabel: 'Tile map of the districts of {area}, coloured by {measure}',
    tileLabel: '{name}: {value}',
    legend: 'Legend',
    progressTitle: 'How the count went',
    progressNote: 'Sampled by the server at regular intervals while the totals change.',
    reportingChart: 'Stations reporting over time',
    pvtChart: 'PVT estimate over time, with its 95 % margin',
    reportingAlt: '{time}: {a} of {b} stations reporting ({p}).',
    pvtAlt: 'Estimate at {time}: {list}.',
    progressNone: 'The history of the night is not available from this server.',
    progressEmpty: 'No samples yet.',
    seatsTitle: 'Seats and the threshold',
    seatsNote: '98 party-list seats by the Hare quota with largest remainders, among the lists ' +
        'above the threshold, from the protocols counted so far: with today\'s 7 % and with 3 %.',
    colList: 'List',
    colShare: 'Share',
    colSeats7: 'Seats at 7 %',
    colSeats3: 'Seats at 3 %',
    pvtTitle: 'Parallel vote tabulation estimate',
    pvtNote: 'Estimated from {a} of {b} stations in {c} of {d} regions, with the 95 % margin of ' +
        'error (ratio estimator stratified by region).',
    colEstimate: 'Estimate',
    colMargin: '95 % margin',
    points: '{v} pt',
    plusMinusPoints: '± {v} pt',
    pvtSampleTitle: 'The PVT sample drawn before the night',
    pvtSampleNote: '{r} of the {s} sampled stations have reported. The sample was drawn at random ' +
        'in each region before election day, for a 95 % margin of {m} pt; the estimate from it ' +
        'alone does not lean towards the stations that report first, as the one from all ' +
        'stations reported so far can.',
    pvtSampleSha: 'SHA-256 of the sample file, published before the night:',
    pvtSampleWarning: 'Under-reported: in {n} regions fewer than {p} % of the sampled stations ' +
        'have reported, so the estimate may still lean towards those that reported first.',
    colSoFar: 'Stations reported so far',
    colSample: 'PVT sample',
    chartSampleLegend: 'Dashed: the estimate from the PVT sample alone',
    estimateCell: '{v} ± {m} pt',
    pvtCompletionTitle: 'The sample per region',
    colSampleRegion: 'Region',
    colSampled: 'Sampled',
    colReported: 'Reported',
    colCompletion: 'Reported, share',
    underReported: '{p}, under-reported',
    regions: 'Regions',
    districts: 'Districts',
    stations: 'Stations',
    colArea: 'Area',
    colReporting: 'Reporting',
    colLeader: 'Leader',
    colFlagged: 'Flagged',
    colStation: 'Station',
    colFlags: 'Flags',
    colObservers: 'Observers',
    colOfficial: 'Official',
    areasNote: 'Choose a region on the map or in the table for its districts, a district for its ' +
        'stations, a station for its page with every version received.',
    notReported: 'not reported',
    disputedConfirm: 'disputed ({n} confirm)',
    confirm: '{n} confirm',
    yes: 'yes',
    comparisonTitle: 'Official results against the observers\'',
    comparisonNote: 'The election commission\'s published figures for the area above, beside the ' +
        'observers\' copies of the same protocols. Difference: official minus observers.',
    colDifference: 'Difference',
    discrepancyNote: '{n} areas and stations where the official figures differ; the largest:',
    colWhere: 'Where',
    colVotesApart: 'Votes apart',
    colInBox: 'In box, official − observers',
    colLargestList: 'Largest list difference',
    stationNamed: 'station {id}',
    deploymentTitle: 'Observer deployment',
    deploymentNote: 'Mandates, observers at the stations and the protocols they obtained, as the ' +
        'hubs report them.',
    mandates_sent: 'Mandates sent',
    mandates_handed_out: 'Handed out',
    observers_admitted: 'Observers admitted',
    observers_refused: 'Observers refused',
    observers_removed: 'Observers removed',
    stations_covered: 'Stations covered',
    protocols_obtained: 'Protocols obtained',
    protocols_refused: 'Protocols refused',
    protocols_confiscated: 'Protocols confiscated',
    protocols_not_obtained: 'Protocols not obtained',
    observersTitle: 'Who observed',
    observersNote: 'Every observer organisation and its camp, as the observer registry lists them, ' +
        'and what became of its observers as the hubs report it. Declared: observers the ' +
        'organisation registered; stations covered: stations where one of them was admitted.',
    colOrganisation: 'Organisation',
    colAffiliation: 'Affiliation',
    observers_declared: 'Observers declared',
    regions_covered: 'Regions',
    affIndependent: 'independent',
    affParty: 'party',
    affAuthority: 'authority-affiliated',
    affInternational: 'international',
    affUnregistered: 'not in the registry',
    coverageNote: 'Of {n} stations: an independent observer at {i} ({io} without an ' +
        'authority-affiliated one), an authority-affiliated observer at {a} ({ao} without an ' +
        'independent one), both at {b}, neither at {x}.',
    citiesTitle: 'Mandates per city',
    citiesNote: 'As the observers\' report tabulates them: the cities of republican significance ' +
        'and the cities inside regions.',
    colCity: 'City',
    total: 'Total',
    confiscatedOrNotAdmitted: 'Confiscated or not admitted',
    effectTitle: 'Stations with and without an independent observer',
    effectNote: '{w} counted stations with an independent observer admitted, {o} without. The ' +
        'difference is with minus without, with its 95 % confidence interval: a comparison of ' +
        'what was observed, not a proof of its cause.',
    colFigure: 'Figure',
    colWith: 'With',
    colWithout: 'Without',
    colDifference: 'Difference (95 % CI)',
    withInterval: '{d} [{lo}; {hi}]',
    noInterval: '{d} (too few stations for an interval)',
    reformsTitle: 'What the reforms would change',
    reformsNote: 'The observers\' report proposes a lower threshold, the "against all" line, a ' +
        'minimum turnout and a mixed system. Each is computed here on the votes the observers ' +
        'counted, side by side. Definitions: README, "Reforms".',
    reformsSeatsNote: '{seats} seats, from {a} of {b} stations counted: by list at today\'s ' +
        'threshold and at 3 %, and in a mixed system of {list} list seats and {single} ' +
        'single-member constituencies made of districts (first past the post).',
    reformsNoMixed: '{seats} seats, from {a} of {b} stations counted: by list at today\'s ' +
        'threshold and at 3 %. This contest\'s districts are too few to make single-member ' +
        'constituencies for half the seats: no mixed system is shown.',
    reformsSeatsCurrent: 'Seats at 7 %',
    reformsSeatsProposed: 'Seats at 3 %',
    reformsSeatsMixed: 'Mixed: list + constituencies',
    reformsAgainstAllNone: 'This ballot has no "against all" line.',
    reformsAgainstAllStands: '"Against all": {share}, within the {max} maximum: the election stands.',
    reformsAgainstAllVoid: '"Against all": {share}, above the {max} maximum: the election would be ' +
        'void and held again with new lists; no seat is given.',
    reformsTurnoutBelow: 'Turnout {turnout}, under the {min} minimum: the election would be ' +
        'invalid. Under it: {regions} regions, {districts} districts, {contests} contests.',
    reformsTurnoutAbove: 'Turnout {turnout}, at or above the {min} minimum. Under it: {regions} ' +
        'regions, {districts} districts, {contests} contests.',
    reformsDecidedTitle: 'Whose votes elected the seats',
    reformsDecidedNote: 'Votes for the lists that won a seat (in the mixed system also, in each ' +
        'constituency, for its winner; each voter counted once), over all registered voters and ' +
        'over the population.',
    reformsColSystem: 'System',
    reformsColVotes: 'Votes that elected',
    reformsColRegistered: 'Of registered voters',
    reformsColPopulation: 'Of the population',
    findTitle: 'Find a station',
    stationIdLabel: 'Station id',
    stationPlaceholder: 'e.g. UIK-00042',
    show: 'Show',
    backToResults: '← Back to the results',
    stationTitle: 'Station {id}',
    stationIn: '{district}, {region}',
    registeredVoters: '{n} registered voters',
    noProtocolYet: 'No protocol received yet.',
    versionsReceived: '{n} versions received; counted: {id}.',
    confirmations: 'Observers whose version equals the counted figures: {n}.',
    disputedVariants: 'Disputed: the observers\' versions differ ({n} variants).',
    officialReceived: 'Official result received: {id}.',
    noOfficial: 'No official result yet.',
    versionBy: '{id} by observer {observer} ({org}), revision {revision}, {source}',
    acceptedAt: 'accepted {time}',
    capturedAt: 'captured {time}',
    noOrganisation: 'no organisation',
    sourceOfficial: 'official',
    sourceObserver: 'observer copy',
    retraction: 'a retraction',
    photoHash: 'Photo SHA-256',
    noPhoto: 'no photo',
    counted: 'counted',
    flagsTitle: 'Flags',
    noSuchStation: 'No station {id}.',
    registered_voters: 'registered voters',
    ballots_received: 'ballots received',
    ballots_issued: 'ballots issued',
    ballots_cancelled: 'ballots cancelled',
    ballots_in_box: 'ballots in the box',
    ballots_spoiled: 'ballots spoiled',
    ballots_valid: 'valid ballots',
    logTitle: 'Transparency log',
    logNote: 'Every protocol Hattama accepted is a leaf of one append-only Merkle tree, signed by ' +
        'the log and cosigned by independent witnesses. Check a protocol here: this browser ' +
        'fetches the proof from the log and verifies it itself.',
    logOrigin: 'Origin',
    logTreeSize: 'Tree size',
    logRoot: 'Root hash',
    logSigner: 'Signed by',
    logWitnesses: 'Cosigned by',
    logVerifier: 'Verifier key',
    logFiles: 'Files',
    checkTitle: 'Check a protocol',
    submissionIdLabel: 'Submission id',
    verifierKeyLabel: 'Verifier key (take it from the operator; filled in with the one this ' +
        'server states)',
    checkButton: 'Check in the log',
    checkLink: 'check in the log',
    logUnavailable: 'No transparency log available: {why}',
    logNotConfigured: 'No transparency log configured on this server.',
    logUnreadable: 'The log\'s checkpoint cannot be read: {why}',
    logNoCheckpoint: 'This server has not seen a checkpoint of the log yet.',
    logCheckpointAt: 'Checkpoint as this server last read it from the log, {time}.',
    logMalformed: 'The checkpoint this server gives is malformed: {why}',
    serverView: 'this server\'s view (JSON)',
    logsCheckpoint: 'the log\'s checkpoint',
    noSignature: 'no signature',
    noWitness: 'no witness has cosigned yet',
    witnessAt: '{witness}: tree size {n} at {time}',
    notStated: 'not stated',
    sigNoKey: 'no verifier key stated: check the note with the operator\'s key',
    sigVerified: 'signature verified in this browser with the verifier key',
    sigNoEd25519: 'this browser has no Ed25519: hattama-verify checks the signature',
    sigBad: 'signature NOT verified: {why}',
    checkNoLog: 'No transparency log is configured on this server.',
    checking: 'Checking {id}…',
    notInLogLeaf: 'Not in the log: no leaf carries {id}.',
    verifiedLeaf: 'Verified: {id} is leaf {i} of the tree of size {n}, root ',
    notVerified: 'Not verified: {names} failed. Do not trust this answer.',
    alsoLeaf: 'The same id is also leaf {list} (a copy written twice; it counts once).',
    cannotCheck: 'Cannot check {id}: {why}',
    entryBy: '{id} by observer {observer} ({org}) via {hub}, revision {revision}, {source}' +
        '{retraction}; accepted {time}.',
    entryNoRecord: 'The record is not in the entry: only its SHA-256 is logged.',
    cannotLoad: 'Cannot load results: {why}',
    cannotReach: 'Cannot reach the server: {why}',
    openDataFiles: 'Open data: every figure here is a JSON file named by {index}; the same ' +
        'figures are in the HTTP/JSON and gRPC API.',
    openDataApi: 'Open data: every figure here comes from {api} (JSON) and the same gRPC API.',
    exportsLead: 'Every station\'s counted protocol:',
    openSource: 'Hattama is open source.',
    // Flags on counted protocols, by their reason code (the server's message, with its figures,
    // is shown beside them as it words it).
    REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX: 'Valid plus spoiled ballots differ from the ballots in the box',
    REASON_CODE_OPTION_VOTES_NOT_VALID: 'The lists\' votes do not add up to the valid ballots',
    REASON_CODE_IN_BOX_ABOVE_ISSUED: 'More ballots in the box than were issued',
    REASON_CODE_ISSUED_ABOVE_REGISTERED: 'More ballots issued than voters registered',
    REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED: 'Ballots received differ from those issued plus cancelled',
    REASON_CODE_REGISTERED_NOT_REGISTRY: 'Registered voters differ from the registry\'s figure',
    REASON_CODE_IMPLAUSIBLE: 'An implausible figure',
    // The names of the log checks (portal/logcheck.js); their details stay in English.
    'check:entry format': 'entry format',
    'check:submission id': 'submission id',
    'check:record hash': 'record hash',
    'check:decoded fields': 'decoded fields',
    'check:audit path': 'audit path',
    'check:root of the answer\'s checkpoint': 'root of the answer\'s checkpoint',
    'check:root of the portal\'s checkpoint': 'root of the portal\'s checkpoint',
    'check:log signature': 'log signature',
    'check:checkpoint': 'checkpoint',
  };

  const ru = {
    title: 'Хаттама — независимые итоги по протоколам наблюдателей',
    subtitle: 'параллельный подсчёт голосов',
    lede: 'Итоги, подсчитанные по копиям протоколов участковых комиссий, полученным ' +
        'наблюдателями, — по каждому участку, по мере поступления.',
    skip: 'Перейти к итогам',
    language: 'Язык',
    contests: 'Выборы',
    loading: 'Загрузка…',
    turnout: 'Явка',
    spoiled: 'Недействительные',
    stationsReporting: 'Участков с данными',
    flaggedProtocols: 'Протоколов с замечаниями',
    ofTotal: '{a} из {b}',
    barsLabel: 'Доли списков',
    barsNote: 'Пунктир — проходной барьер {t}. Доли — от действительных голосов в протоколах, ' +
        'подсчитанных к этому моменту.',
    votes: 'голосов: {n}',
    updated: 'Обновлено в {time}.',
    liveSse: 'В реальном времени: данные приходят по мере подсчёта.',
    livePolling: 'Обновляется каждые {s} с.',
    liveFiles: 'В реальном времени: опубликованные файлы проверяются каждые {s} с.',
    recountable: 'Можно пересчитать по журналу размером {n}.',
    notInLog: 'Пока не в журнале.',
    mapTitle: 'Карта регионов',
    colourBy: 'Цвет по',
    measureLeader: 'Лидирующий список',
    measureTurnout: 'Явка',
    measureCoverage: 'Охват (участки с данными)',
    measureDifference: 'Официально − наблюдатели, явка',
    noData: 'нет данных',
    notHeld: 'здесь не проводятся',
    mapHint: 'Выберите плитку (щелчком или клавишей Tab и Enter) — откроются её районы; район — ' +
        'его участки.',
    mapLabel: 'Плиточная карта: {area}, цвет по показателю «{measure}»',
    mapDistrictLabel: 'Плиточная карта районов: {area}, цвет по показателю «{measure}»',
    tileLabel: '{name}: {value}',
    legend: 'Легенда',
    progressTitle: 'Как шёл подсчёт',
    progressNote: 'Сервер записывает точку через равные промежутки времени, пока итоги меняются.',
    reportingChart: 'Участки с данными во времени',
    pvtChart: 'Оценка параллельного подсчёта во времени, с погрешностью 95 %',
    reportingAlt: '{time}: данные от {a} из {b} участков ({p}).',
    pvtAlt: 'Оценка на {time}: {list}.',
    progressNone: 'История подсчёта на этом сервере недоступна.',
    progressEmpty: 'Точек пока нет.',
    seatsTitle: 'Мандаты и барьер',
    seatsNote: '98 мандатов по партийным спискам — по квоте Хэйра с наибольшими остатками среди ' +
        'списков выше барьера, по протоколам, подсчитанным к этому моменту: при нынешних 7 % и при ' +
        '3 %.',
    colList: 'Список',
    colShare: 'Доля',
    colSeats7: 'Мандатов при 7 %',
    colSeats3: 'Мандатов при 3 %',
    pvtTitle: 'Оценка параллельного подсчёта',
    pvtNote: 'Оценка по {a} из {b} участков в {c} из {d} регионов, с погрешностью 95 % ' +
        '(оценка отношением, стратифицированная по регионам).',
    colEstimate: 'Оценка',
    colMargin: 'Погрешность 95 %',
    points: '{v} п. п.',
    plusMinusPoints: '± {v} п. п.',
    pvtSampleTitle: 'Выборка ПВТ, составленная до дня выборов',
    pvtSampleNote: 'Сообщили {r} из {s} участков выборки. Выборка отобрана случайно в каждом ' +
        'регионе до дня голосования, для погрешности 95 % в {m} п. п.; оценка только по ней не ' +
        'смещена к участкам, сообщающим первыми, в отличие от оценки по всем сообщившим.',
    pvtSampleSha: 'SHA-256 файла выборки, опубликованный до дня выборов:',
    pvtSampleWarning: 'Данные неполны: в {n} регионах сообщили меньше {p} % участков выборки, ' +
        'поэтому оценка ещё может быть смещена к сообщившим первыми.',
    colSoFar: 'По всем сообщившим участкам',
    colSample: 'По выборке ПВТ',
    chartSampleLegend: 'Пунктир: оценка только по выборке ПВТ',
    estimateCell: '{v} ± {m} п. п.',
    pvtCompletionTitle: 'Выборка по регионам',
    colSampleRegion: 'Регион',
    colSampled: 'В выборке',
    colReported: 'Сообщили',
    colCompletion: 'Доля сообщивших',
    underReported: '{p}, данные неполны',
    regions: 'Регионы',
    districts: 'Районы',
    stations: 'Участки',
    colArea: 'Территория',
    colReporting: 'С данными',
    colLeader: 'Лидер',
    colFlagged: 'С замечаниями',
    colStation: 'Участок',
    colFlags: 'Замечания',
    colObservers: 'Наблюдатели',
    colOfficial: 'Официально',
    areasNote: 'Выберите регион на карте или в таблице — откроются его районы; район — его ' +
        'участки; участок — его страница со всеми полученными версиями.',
    notReported: 'нет данных',
    disputedConfirm: 'спорный (подтвердили: {n})',
    confirm: 'подтвердили: {n}',
    yes: 'да',
    comparisonTitle: 'Официальные итоги против данных наблюдателей',
    comparisonNote: 'Опубликованные избирательной комиссией цифры по выбранной территории рядом с ' +
        'копиями тех же протоколов у наблюдателей. Разница: официальные минус наблюдатели.',
    colDifference: 'Разница',
    discrepancyNote: 'Территорий и участков, где официальные цифры расходятся: {n}; крупнейшие:',
    colWhere: 'Где',
    colVotesApart: 'Расхождение, голосов',
    colInBox: 'В ящиках, офиц. − набл.',
    colLargestList: 'Наибольшая разница по списку',
    stationNamed: 'участок {id}',
    deploymentTitle: 'Расстановка наблюдателей',
    deploymentNote: 'Мандаты, наблюдатели на участках и полученные ими протоколы — по данным ' +
        'штабов.',
    mandates_sent: 'Мандатов отправлено',
    mandates_handed_out: 'Вручено',
    observers_admitted: 'Наблюдателей допущено',
    observers_refused: 'Не допущено',
    observers_removed: 'Удалено',
    stations_covered: 'Участков охвачено',
    protocols_obtained: 'Протоколов получено',
    protocols_refused: 'Отказано в протоколе',
    protocols_confiscated: 'Протоколов изъято',
    protocols_not_obtained: 'Протоколов не получено',
    observersTitle: 'Кто наблюдал',
    observersNote: 'Все организации наблюдателей и их лагерь — по реестру наблюдателей, и что ' +
        'стало с их наблюдателями — по данным штабов. Заявлено: зарегистрированные ' +
        'организацией наблюдатели; участков охвачено: участки, куда кто-то из них был допущен.',
    colOrganisation: 'Организация',
    colAffiliation: 'Принадлежность',
    observers_declared: 'Заявлено наблюдателей',
    regions_covered: 'Регионов',
    affIndependent: 'независимая',
    affParty: 'партийная',
    affAuthority: 'аффилированная с властью',
    affInternational: 'международная',
    affUnregistered: 'нет в реестре',
    coverageNote: 'Из {n} участков: независимый наблюдатель на {i} ({io} без аффилированного с ' +
        'властью), аффилированный с властью на {a} ({ao} без независимого), оба на {b}, ни ' +
        'одного на {x}.',
    citiesTitle: 'Мандаты по городам',
    citiesNote: 'Как в отчёте наблюдателей: города республиканского значения и города в ' +
        'составе областей.',
    colCity: 'Город',
    total: 'Итого',
    confiscatedOrNotAdmitted: 'Изъято или не допущено',
    effectTitle: 'Участки с независимым наблюдателем и без него',
    effectNote: 'Подсчитанных участков с допущенным независимым наблюдателем: {w}, без него: {o}. ' +
        'Разница — «с» минус «без», с 95-процентным доверительным интервалом: сравнение ' +
        'наблюдаемого, а не доказательство причины.',
    colFigure: 'Показатель',
    colWith: 'С наблюдателем',
    colWithout: 'Без наблюдателя',
    colDifference: 'Разница (95 % ДИ)',
    withInterval: '{d} [{lo}; {hi}]',
    noInterval: '{d} (слишком мало участков для интервала)',
    reformsTitle: 'Что изменили бы реформы',
    reformsNote: 'Отчёт наблюдателей предлагает снизить барьер, вернуть графу «против всех», ' +
        'ввести порог явки и смешанную систему. Здесь каждое предложение рассчитано по голосам, ' +
        'подсчитанным наблюдателями, — рядом друг с другом. Определения: README, «Reforms».',
    reformsSeatsNote: '{seats} мандатов по данным {a} из {b} участков: по спискам при нынешнем ' +
        'барьере и при 3 %, и в смешанной системе — {list} мандатов по спискам и {single} ' +
        'одномандатных округов из районов (побеждает набравший больше всех).',
    reformsNoMixed: '{seats} мандатов по данным {a} из {b} участков: по спискам при нынешнем ' +
        'барьере и при 3 %. Районов этих выборов не хватает на одномандатные округа для половины ' +
        'мандатов: смешанная система не показана.',
    reformsSeatsCurrent: 'Мандаты при 7 %',
    reformsSeatsProposed: 'Мандаты при 3 %',
    reformsSeatsMixed: 'Смешанная: списки + округа',
    reformsAgainstAllNone: 'В этом бюллетене нет графы «против всех».',
    reformsAgainstAllStands: '«Против всех»: {share}, не выше максимума {max}: выборы состоялись.',
    reformsAgainstAllVoid: '«Против всех»: {share}, выше максимума {max}: выборы были бы признаны ' +
        'несостоявшимися и проведены заново с новыми списками; мандаты не распределяются.',
    reformsTurnoutBelow: 'Явка {turnout}, ниже порога {min}: выборы были бы недействительны. ' +
        'Ниже порога: регионов — {regions}, районов — {districts}, выборов — {contests}.',
    reformsTurnoutAbove: 'Явка {turnout}, не ниже порога {min}. Ниже порога: регионов — ' +
        '{regions}, районов — {districts}, выборов — {contests}.',
    reformsDecidedTitle: 'Чьи голоса избрали депутатов',
    reformsDecidedNote: 'Голоса за списки, получившие мандаты (в смешанной системе также — в ' +
        'каждом округе за его победителя; каждый избиратель учтён один раз), от всех ' +
        'зарегистрированных избирателей и от населения.',
    reformsColSystem: 'Система',
    reformsColVotes: 'Голоса, избравшие депутатов',
    reformsColRegistered: 'От избирателей',
    reformsColPopulation: 'От населения',
    findTitle: 'Найти участок',
    stationIdLabel: 'Номер участка',
    stationPlaceholder: 'напр. UIK-00042',
    show: 'Показать',
    backToResults: '← Назад к итогам',
    stationTitle: 'Участок {id}',
    stationIn: '{district}, {region}',
    registeredVoters: 'Зарегистрировано избирателей: {n}',
    noProtocolYet: 'Протокол ещё не получен.',
    versionsReceived: 'Получено версий: {n}; в подсчёте: {id}.',
    confirmations: 'Наблюдателей, чья версия совпадает с подсчитанной: {n}.',
    disputedVariants: 'Спорный: версии наблюдателей расходятся (вариантов: {n}).',
    officialReceived: 'Получен официальный итог: {id}.',
    noOfficial: 'Официального итога пока нет.',
    versionBy: '{id} от наблюдателя {observer} ({org}), редакция {revision}, {source}',
    acceptedAt: 'принят {time}',
    capturedAt: 'снят {time}',
    noOrganisation: 'без организации',
    sourceOfficial: 'официальный',
    sourceObserver: 'копия наблюдателя',
    retraction: 'отзыв',
    photoHash: 'SHA-256 фотографии',
    noPhoto: 'без фотографии',
    counted: 'в подсчёте',
    flagsTitle: 'Замечания',
    noSuchStation: 'Участка {id} нет.',
    registered_voters: 'зарегистрировано избирателей',
    ballots_received: 'получено бюллетеней',
    ballots_issued: 'выдано бюллетеней',
    ballots_cancelled: 'погашено бюллетеней',
    ballots_in_box: 'бюллетеней в ящиках',
    ballots_spoiled: 'недействительных бюллетеней',
    ballots_valid: 'действительных бюллетеней',
    logTitle: 'Журнал прозрачности',
    logNote: 'Каждый принятый Хаттамой протокол — лист единого дерева Меркла, в которое можно ' +
        'только дописывать; журнал его подписывает, независимые свидетели заверяют. Проверьте ' +
        'протокол здесь: браузер сам получит доказательство из журнала и сам его проверит.',
    logOrigin: 'Источник',
    logTreeSize: 'Размер дерева',
    logRoot: 'Корневой хеш',
    logSigner: 'Подпись',
    logWitnesses: 'Заверили',
    logVerifier: 'Ключ проверки',
    logFiles: 'Файлы',
    checkTitle: 'Проверить протокол',
    submissionIdLabel: 'Идентификатор отправки',
    verifierKeyLabel: 'Ключ проверки (возьмите его у оператора; подставлен ключ, который называет ' +
        'этот сервер)',
    checkButton: 'Проверить в журнале',
    checkLink: 'проверить в журнале',
    logUnavailable: 'Журнал прозрачности недоступен: {why}',
    logNotConfigured: 'На этом сервере журнал прозрачности не настроен.',
    logUnreadable: 'Не удалось прочитать контрольную точку журнала: {why}',
    logNoCheckpoint: 'Этот сервер ещё не видел контрольной точки журнала.',
    logCheckpointAt: 'Контрольная точка, как сервер последний раз прочёл её в журнале, {time}.',
    logMalformed: 'Контрольная точка, которую даёт сервер, повреждена: {why}',
    serverView: 'данные этого сервера (JSON)',
    logsCheckpoint: 'контрольная точка журнала',
    noSignature: 'подписи нет',
    noWitness: 'ни один свидетель ещё не заверил',
    witnessAt: '{witness}: размер дерева {n}, {time}',
    notStated: 'не указан',
    sigNoKey: 'ключ проверки не указан: проверьте запись ключом оператора',
    sigVerified: 'подпись проверена в этом браузере ключом проверки',
    sigNoEd25519: 'в этом браузере нет Ed25519: подпись проверяет hattama-verify',
    sigBad: 'подпись НЕ подтверждена: {why}',
    checkNoLog: 'На этом сервере журнал прозрачности не настроен.',
    checking: 'Проверяем {id}…',
    notInLogLeaf: 'Нет в журнале: ни один лист не содержит {id}.',
    verifiedLeaf: 'Подтверждено: {id} — лист {i} дерева размером {n}, корень ',
    notVerified: 'Не подтверждено: не прошли проверки {names}. Не доверяйте этому ответу.',
    alsoLeaf: 'Тот же идентификатор есть и в листе {list} (копия, записанная дважды; ' +
        'учитывается один раз).',
    cannotCheck: 'Не удалось проверить {id}: {why}',
    entryBy: '{id} от наблюдателя {observer} ({org}) через {hub}, редакция {revision}, ' +
        '{source}{retraction}; принят {time}.',
    entryNoRecord: 'Записи нет в листе: в журнале только её SHA-256.',
    cannotLoad: 'Не удалось загрузить итоги: {why}',
    cannotReach: 'Сервер недоступен: {why}',
    openDataFiles: 'Открытые данные: каждая цифра здесь — JSON-файл, названный в {index}; те же ' +
        'цифры есть в HTTP/JSON и gRPC API.',
    openDataApi: 'Открытые данные: каждая цифра здесь взята из {api} (JSON) и того же gRPC API.',
    exportsLead: 'Подсчитанный протокол каждого участка:',
    openSource: 'Хаттама — открытое программное обеспечение.',
    REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX: 'Сумма действительных и недействительных бюллетеней не равна числу бюллетеней в ящиках',
    REASON_CODE_OPTION_VOTES_NOT_VALID: 'Сумма голосов за списки не равна числу действительных бюллетеней',
    REASON_CODE_IN_BOX_ABOVE_ISSUED: 'Бюллетеней в ящиках больше, чем выдано',
    REASON_CODE_ISSUED_ABOVE_REGISTERED: 'Выдано бюллетеней больше, чем зарегистрировано избирателей',
    REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED: 'Число полученных бюллетеней не равно сумме выданных и погашенных',
    REASON_CODE_REGISTERED_NOT_REGISTRY: 'Число зарегистрированных избирателей расходится с реестром',
    REASON_CODE_IMPLAUSIBLE: 'Неправдоподобная цифра',
    'check:entry format': 'формат записи',
    'check:submission id': 'идентификатор отправки',
    'check:record hash': 'хеш записи',
    'check:decoded fields': 'декодированные поля',
    'check:audit path': 'путь аудита',
    'check:root of the answer\'s checkpoint': 'корень контрольной точки ответа',
    'check:root of the portal\'s checkpoint': 'корень контрольной точки портала',
    'check:log signature': 'подпись журнала',
    'check:checkpoint': 'контрольная точка',
  };

  const kk = {
    title: 'Хаттама — бақылаушылар хаттамалары бойынша тәуелсіз нәтижелер',
    subtitle: 'дауыстарды параллель санау',
    lede: 'Бақылаушылар алған учаскелік комиссия хаттамаларының көшірмелері бойынша ' +
        'есептелген нәтижелер — әр учаске бойынша, түскен сайын жарияланады.',
    skip: 'Нәтижелерге өту',
    language: 'Тіл',
    contests: 'Сайлаулар',
    loading: 'Жүктелуде…',
    turnout: 'Қатысу',
    spoiled: 'Жарамсыз',
    stationsReporting: 'Деректері бар учаскелер',
    flaggedProtocols: 'Ескертпесі бар хаттамалар',
    ofTotal: '{b} ішінен {a}',
    barsLabel: 'Тізімдердің үлестері',
    barsNote: 'Пунктир сызық — {t} өту шегі. Үлестер осы уақытқа дейін есептелген ' +
        'хаттамалардағы жарамды дауыстардан алынған.',
    votes: '{n} дауыс',
    updated: '{time} жаңартылды.',
    liveSse: 'Нақты уақытта: деректер есептелген сайын келеді.',
    livePolling: 'Әр {s} с сайын жаңартылады.',
    liveFiles: 'Нақты уақытта: жарияланған файлдар әр {s} с сайын тексеріледі.',
    recountable: 'Журналдың {n} өлшемі бойынша қайта есептеуге болады.',
    notInLog: 'Әзірге журналда жоқ.',
    mapTitle: 'Өңірлер картасы',
    colourBy: 'Түсі бойынша',
    measureLeader: 'Көш бастаған тізім',
    measureTurnout: 'Қатысу',
    measureCoverage: 'Қамту (деректері бар учаскелер)',
    measureDifference: 'Ресми − бақылаушылар, қатысу',
    noData: 'деректер жоқ',
    notHeld: 'мұнда өткізілмейді',
    mapHint: 'Тақтаны таңдаңыз (басыңыз немесе Tab арқылы барып, Enter пернесін басыңыз) — оның ' +
        'аудандары ашылады; ауданды — оның учаскелері.',
    mapLabel: '{area} тақталы картасы, түсі: «{measure}»',
    mapDistrictLabel: '{area} аудандарының тақталы картасы, түсі: «{measure}»',
    tileLabel: '{name}: {value}',
    legend: 'Шартты белгілер',
    progressTitle: 'Санау барысы',
    progressNote: 'Сервер нәтижелер өзгерген кезде тұрақты аралықпен нүкте жазады.',
    reportingChart: 'Деректері бар учаскелер уақыт бойынша',
    pvtChart: 'Параллель санау бағалауы уақыт бойынша, 95 % қателік шегімен',
    reportingAlt: '{time}: {b} учаскенің {a} учаскесінен деректер бар ({p}).',
    pvtAlt: '{time} кезіндегі бағалау: {list}.',
    progressNone: 'Бұл серверде санау тарихы жоқ.',
    progressEmpty: 'Әзірге нүкте жоқ.',
    seatsTitle: 'Мандаттар және өту шегі',
    seatsNote: 'Партиялық тізімдер бойынша 98 мандат — өту шегінен асқан тізімдер арасында Хэйр ' +
        'квотасы мен ең үлкен қалдықтар әдісімен, осы уақытқа дейін есептелген хаттамалар ' +
        'бойынша: қазіргі 7 % және 3 % шегінде.',
    colList: 'Тізім',
    colShare: 'Үлес',
    colSeats7: '7 % шегіндегі мандаттар',
    colSeats3: '3 % шегіндегі мандаттар',
    pvtTitle: 'Параллель санау бағалауы',
    pvtNote: '{d} өңірдің {c} өңіріндегі {b} учаскенің {a} учаскесі бойынша бағаланды, 95 % ' +
        'қателік шегімен (өңірлер бойынша стратификацияланған қатынас бағалауы).',
    colEstimate: 'Бағалау',
    colMargin: '95 % қателік шегі',
    points: '{v} п. т.',
    plusMinusPoints: '± {v} п. т.',
    pvtSampleTitle: 'Сайлау күніне дейін құрылған ПВТ іріктемесі',
    pvtSampleNote: 'Іріктемедегі {s} учаскенің {r} учаскесі хабарлады. Іріктеме дауыс беру ' +
        'күніне дейін әр өңірде кездейсоқ таңдалды, 95 % қателік шегі {m} п. т. болатындай; тек ' +
        'соған негізделген бағалау барлық хабарлағандар бойынша бағалаудан өзгеше, алдымен ' +
        'хабарлаған учаскелерге қарай ауытқымайды.',
    pvtSampleSha: 'Сайлау күніне дейін жарияланған іріктеме файлының SHA-256 хэші:',
    pvtSampleWarning: 'Деректер толық емес: {n} өңірде іріктеме учаскелерінің {p} %-ынан азы ' +
        'хабарлады, сондықтан бағалау әлі де алдымен хабарлағандарға қарай ауытқуы мүмкін.',
    colSoFar: 'Барлық хабарлаған учаскелер бойынша',
    colSample: 'ПВТ іріктемесі бойынша',
    chartSampleLegend: 'Үзік сызық: тек ПВТ іріктемесі бойынша бағалау',
    estimateCell: '{v} ± {m} п. т.',
    pvtCompletionTitle: 'Өңірлер бойынша іріктеме',
    colSampleRegion: 'Өңір',
    colSampled: 'Іріктемеде',
    colReported: 'Хабарлады',
    colCompletion: 'Хабарлағандар үлесі',
    underReported: '{p}, толық емес',
    regions: 'Өңірлер',
    districts: 'Аудандар',
    stations: 'Учаскелер',
    colArea: 'Аумақ',
    colReporting: 'Деректері бар',
    colLeader: 'Көшбасшы',
    colFlagged: 'Ескертпелі',
    colStation: 'Учаске',
    colFlags: 'Ескертпелер',
    colObservers: 'Бақылаушылар',
    colOfficial: 'Ресми',
    areasNote: 'Картадан немесе кестеден өңірді таңдаңыз — оның аудандары ашылады; ауданды — оның ' +
        'учаскелері; учаскені — алынған барлық нұсқалары бар беті.',
    notReported: 'деректер жоқ',
    disputedConfirm: 'даулы ({n} растады)',
    confirm: '{n} растады',
    yes: 'иә',
    comparisonTitle: 'Ресми нәтижелер мен бақылаушылар деректері',
    comparisonNote: 'Сайлау комиссиясы жариялаған таңдалған аумақтың сандары бақылаушылардағы сол ' +
        'хаттамалардың көшірмелерімен қатар. Айырма: ресми минус бақылаушылар.',
    colDifference: 'Айырма',
    discrepancyNote: 'Ресми сандар сәйкес келмейтін аумақтар мен учаскелер: {n}; ең үлкендері:',
    colWhere: 'Қайда',
    colVotesApart: 'Дауыс айырмасы',
    colInBox: 'Жәшікте, ресми − бақылаушы',
    colLargestList: 'Тізім бойынша ең үлкен айырма',
    stationNamed: '{id} учаскесі',
    deploymentTitle: 'Бақылаушыларды орналастыру',
    deploymentNote: 'Мандаттар, учаскелердегі бақылаушылар және олар алған хаттамалар — ' +
        'штабтардың деректері бойынша.',
    mandates_sent: 'Жіберілген мандаттар',
    mandates_handed_out: 'Табысталды',
    observers_admitted: 'Бақылаушылар кіргізілді',
    observers_refused: 'Кіргізілмеді',
    observers_removed: 'Шығарылды',
    stations_covered: 'Қамтылған учаскелер',
    protocols_obtained: 'Алынған хаттамалар',
    protocols_refused: 'Хаттама берілмеді',
    protocols_confiscated: 'Тәркіленген хаттамалар',
    protocols_not_obtained: 'Алынбаған хаттамалар',
    observersTitle: 'Кім бақылады',
    observersNote: 'Бақылаушылар ұйымдары және олардың тиесілілігі — бақылаушылар тізілімі ' +
        'бойынша, олардың бақылаушыларына не болғаны — штабтардың деректері бойынша. ' +
        'Мәлімделген: ұйым тіркеген бақылаушылар; қамтылған учаскелер: олардың біреуі ' +
        'кіргізілген учаскелер.',
    colOrganisation: 'Ұйым',
    colAffiliation: 'Тиесілілігі',
    observers_declared: 'Мәлімделген бақылаушылар',
    regions_covered: 'Өңірлер',
    affIndependent: 'тәуелсіз',
    affParty: 'партиялық',
    affAuthority: 'билікпен байланысты',
    affInternational: 'халықаралық',
    affUnregistered: 'тізілімде жоқ',
    coverageNote: '{n} учаскенің: тәуелсіз бақылаушы {i} учаскеде ({io} учаскеде билікпен ' +
        'байланысты бақылаушысыз), билікпен байланысты бақылаушы {a} учаскеде ({ao} учаскеде ' +
        'тәуелсізсіз), екеуі де {b} учаскеде, ешқайсысы жоқ {x} учаскеде.',
    citiesTitle: 'Қалалар бойынша мандаттар',
    citiesNote: 'Бақылаушылар есебіндегідей: республикалық маңызы бар қалалар және облыс ' +
        'құрамындағы қалалар.',
    colCity: 'Қала',
    total: 'Барлығы',
    confiscatedOrNotAdmitted: 'Тәркіленді немесе жіберілмеді',
    effectTitle: 'Тәуелсіз бақылаушысы бар және жоқ учаскелер',
    effectNote: 'Тәуелсіз бақылаушы кіргізілген есептелген учаскелер: {w}, кіргізілмегендер: {o}. ' +
        'Айырма — «бар» минус «жоқ», 95 пайыздық сенім аралығымен: байқалғанды салыстыру, ' +
        'себептің дәлелі емес.',
    colFigure: 'Көрсеткіш',
    colWith: 'Бақылаушымен',
    colWithout: 'Бақылаушысыз',
    colDifference: 'Айырма (95 % СА)',
    withInterval: '{d} [{lo}; {hi}]',
    noInterval: '{d} (аралық үшін учаскелер тым аз)',
    reformsTitle: 'Реформалар нені өзгертер еді',
    reformsNote: 'Бақылаушылар есебі өту шегін төмендетуді, «барлығына қарсы» бағанын ' +
        'қайтаруды, қатысудың ең төменгі шегін және аралас жүйені ұсынады. Мұнда әр ұсыныс ' +
        'бақылаушылар санаған дауыстар бойынша қатар есептелген. Анықтамалар: README, «Reforms».',
    reformsSeatsNote: '{b} учаскенің {a} деректері бойынша {seats} мандат: тізімдер бойынша ' +
        'қазіргі өту шегімен және 3 % шегімен, сондай-ақ аралас жүйеде — тізімдер бойынша {list} ' +
        'мандат және аудандардан құралған {single} бір мандатты округ (ең көп дауыс алған жеңеді).',
    reformsNoMixed: '{b} учаскенің {a} деректері бойынша {seats} мандат: тізімдер бойынша ' +
        'қазіргі өту шегімен және 3 % шегімен. Бұл сайлаудың аудандары мандаттардың жартысына ' +
        'бір мандатты округтер құруға жетпейді: аралас жүйе көрсетілмейді.',
    reformsSeatsCurrent: '7 % кезіндегі мандаттар',
    reformsSeatsProposed: '3 % кезіндегі мандаттар',
    reformsSeatsMixed: 'Аралас: тізімдер + округтер',
    reformsAgainstAllNone: 'Бұл бюллетеньде «барлығына қарсы» бағаны жоқ.',
    reformsAgainstAllStands: '«Барлығына қарсы»: {share}, ең жоғарғы шегі {max} аспайды: ' +
        'сайлау өтті.',
    reformsAgainstAllVoid: '«Барлығына қарсы»: {share}, ең жоғарғы шегі {max} асады: сайлау ' +
        'өтпеді деп танылып, жаңа тізімдермен қайта өткізілер еді; мандаттар бөлінбейді.',
    reformsTurnoutBelow: 'Қатысу {turnout}, ең төменгі шегі {min} төмен: сайлау жарамсыз болар ' +
        'еді. Шектен төмен: өңірлер — {regions}, аудандар — {districts}, сайлаулар — {contests}.',
    reformsTurnoutAbove: 'Қатысу {turnout}, ең төменгі шегі {min} төмен емес. Шектен төмен: ' +
        'өңірлер — {regions}, аудандар — {districts}, сайлаулар — {contests}.',
    reformsDecidedTitle: 'Депутаттарды кімдердің дауыстары сайлады',
    reformsDecidedNote: 'Мандат алған тізімдерге берілген дауыстар (аралас жүйеде әр округте ' +
        'оның жеңімпазына берілгендер де; әр сайлаушы бір рет есептеледі), барлық тіркелген ' +
        'сайлаушылардан және халықтан үлесі.',
    reformsColSystem: 'Жүйе',
    reformsColVotes: 'Сайлаған дауыстар',
    reformsColRegistered: 'Сайлаушылардан',
    reformsColPopulation: 'Халықтан',
    findTitle: 'Учаскені табу',
    stationIdLabel: 'Учаске нөмірі',
    stationPlaceholder: 'мысалы, UIK-00042',
    show: 'Көрсету',
    backToResults: '← Нәтижелерге оралу',
    stationTitle: '{id} учаскесі',
    stationIn: '{district}, {region}',
    registeredVoters: 'Тіркелген сайлаушылар: {n}',
    noProtocolYet: 'Хаттама әлі келмеді.',
    versionsReceived: 'Алынған нұсқалар: {n}; есепке алынғаны: {id}.',
    confirmations: 'Нұсқасы есептелген сандармен сәйкес бақылаушылар: {n}.',
    disputedVariants: 'Даулы: бақылаушылардың нұсқалары әртүрлі ({n} нұсқа).',
    officialReceived: 'Ресми нәтиже алынды: {id}.',
    noOfficial: 'Ресми нәтиже әлі жоқ.',
    versionBy: '{id}, бақылаушы {observer} ({org}), {revision}-редакция, {source}',
    acceptedAt: 'қабылданды {time}',
    capturedAt: 'түсірілді {time}',
    noOrganisation: 'ұйымсыз',
    sourceOfficial: 'ресми',
    sourceObserver: 'бақылаушы көшірмесі',
    retraction: 'кері қайтарып алу',
    photoHash: 'Фотосуреттің SHA-256',
    noPhoto: 'фотосурет жоқ',
    counted: 'есепке алынды',
    flagsTitle: 'Ескертпелер',
    noSuchStation: '{id} учаскесі жоқ.',
    registered_voters: 'тіркелген сайлаушылар',
    ballots_received: 'алынған бюллетеньдер',
    ballots_issued: 'берілген бюллетеньдер',
    ballots_cancelled: 'жойылған бюллетеньдер',
    ballots_in_box: 'жәшіктегі бюллетеньдер',
    ballots_spoiled: 'жарамсыз бюллетеньдер',
    ballots_valid: 'жарамды бюллетеньдер',
    logTitle: 'Ашықтық журналы',
    logNote: 'Хаттама қабылдаған әр хаттама — тек толықтырылатын бір Меркл ағашының жапырағы; ' +
        'оған журнал қол қояды, тәуелсіз куәгерлер растайды. Хаттаманы осы жерде тексеріңіз: ' +
        'браузер дәлелді журналдан өзі алып, өзі тексереді.',
    logOrigin: 'Дереккөз',
    logTreeSize: 'Ағаш өлшемі',
    logRoot: 'Түбір хеші',
    logSigner: 'Қол қойған',
    logWitnesses: 'Растаған',
    logVerifier: 'Тексеру кілті',
    logFiles: 'Файлдар',
    checkTitle: 'Хаттаманы тексеру',
    submissionIdLabel: 'Жіберілім идентификаторы',
    verifierKeyLabel: 'Тексеру кілті (оператордан алыңыз; осы сервер көрсеткен кілт қойылған)',
    checkButton: 'Журналда тексеру',
    checkLink: 'журналда тексеру',
    logUnavailable: 'Ашықтық журналы қолжетімсіз: {why}',
    logNotConfigured: 'Бұл серверде ашықтық журналы бапталмаған.',
    logUnreadable: 'Журналдың бақылау нүктесін оқу мүмкін болмады: {why}',
    logNoCheckpoint: 'Бұл сервер журналдың бақылау нүктесін әлі көрмеді.',
    logCheckpointAt: 'Сервер журналдан соңғы рет оқыған бақылау нүктесі, {time}.',
    logMalformed: 'Сервер берген бақылау нүктесі бүлінген: {why}',
    serverView: 'осы сервердің деректері (JSON)',
    logsCheckpoint: 'журналдың бақылау нүктесі',
    noSignature: 'қолтаңба жоқ',
    noWitness: 'әлі бірде-бір куәгер растаған жоқ',
    witnessAt: '{witness}: ағаш өлшемі {n}, {time}',
    notStated: 'көрсетілмеген',
    sigNoKey: 'тексеру кілті көрсетілмеген: жазбаны оператордың кілтімен тексеріңіз',
    sigVerified: 'қолтаңба осы браузерде тексеру кілтімен тексерілді',
    sigNoEd25519: 'бұл браузерде Ed25519 жоқ: қолтаңбаны hattama-verify тексереді',
    sigBad: 'қолтаңба РАСТАЛМАДЫ: {why}',
    checkNoLog: 'Бұл серверде ашықтық журналы бапталмаған.',
    checking: '{id} тексерілуде…',
    notInLogLeaf: 'Журналда жоқ: {id} бірде-бір жапырақта жоқ.',
    verifiedLeaf: 'Расталды: {id} — өлшемі {n} ағаштың {i}-жапырағы, түбірі ',
    notVerified: 'Расталмады: {names} тексерісі өтпеді. Бұл жауапқа сенбеңіз.',
    alsoLeaf: 'Дәл осы идентификатор {list}-жапырақта да бар (екі рет жазылған көшірме; бір рет ' +
        'есептеледі).',
    cannotCheck: '{id} тексеру мүмкін болмады: {why}',
    entryBy: '{id}, бақылаушы {observer} ({org}), {hub} арқылы, {revision}-редакция, ' +
        '{source}{retraction}; қабылданды {time}.',
    entryNoRecord: 'Жазба жапырақта жоқ: журналда тек оның SHA-256 бар.',
    cannotLoad: 'Нәтижелерді жүктеу мүмкін болмады: {why}',
    cannotReach: 'Серверге қосылу мүмкін болмады: {why}',
    openDataFiles: 'Ашық деректер: мұндағы әр сан — {index} атаған JSON файлы; дәл сол сандар ' +
        'HTTP/JSON және gRPC API-де бар.',
    openDataApi: 'Ашық деректер: мұндағы әр сан {api} (JSON) және сол gRPC API арқылы алынған.',
    exportsLead: 'Әр учаскенің есептелген хаттамасы:',
    openSource: 'Хаттама — ашық бастапқы кодты бағдарлама.',
    REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX: 'Жарамды және жарамсыз бюллетеньдердің қосындысы жәшіктегі бюллетеньдер санына тең емес',
    REASON_CODE_OPTION_VOTES_NOT_VALID: 'Тізімдерге берілген дауыстардың қосындысы жарамды бюллетеньдер санына тең емес',
    REASON_CODE_IN_BOX_ABOVE_ISSUED: 'Жәшіктегі бюллетеньдер берілгеннен көп',
    REASON_CODE_ISSUED_ABOVE_REGISTERED: 'Берілген бюллетеньдер тіркелген сайлаушылардан көп',
    REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED: 'Алынған бюллетеньдер берілген және жойылған бюллетеньдердің қосындысына тең емес',
    REASON_CODE_REGISTERED_NOT_REGISTRY: 'Тіркелген сайлаушылар саны тізілімдегі саннан өзгеше',
    REASON_CODE_IMPLAUSIBLE: 'Ақылға сыйымсыз сан',
    'check:entry format': 'жазба пішімі',
    'check:submission id': 'жіберілім идентификаторы',
    'check:record hash': 'жазба хеші',
    'check:decoded fields': 'декодталған өрістер',
    'check:audit path': 'аудит жолы',
    'check:root of the answer\'s checkpoint': 'жауаптың бақылау нүктесінің түбірі',
    'check:root of the portal\'s checkpoint': 'порталдың бақылау нүктесінің түбірі',
    'check:log signature': 'журнал қолтаңбасы',
    'check:checkpoint': 'бақылау нүктесі',
  };

  const TABLES = {kk, ru, en};
  const STORAGE_KEY = 'hattama.lang';

  // ?lang= first, then the visitor's earlier choice, then the browser's languages; English for
  // anyone whose browser names none of the three.
  function initialLanguage() {
    const asked = new URLSearchParams(location.search).get('lang');
    if (asked && TABLES[asked]) return asked;
    try {
      const stored = localStorage.getItem(STORAGE_KEY);
      if (stored && TABLES[stored]) return stored;
    } catch (e) { /* storage refused: no memory of the choice */ }
    for (const tag of navigator.languages || [navigator.language || '']) {
      const base = String(tag).toLowerCase().split('-')[0];
      if (TABLES[base]) return base;
    }
    return 'en';
  }

  let lang = initialLanguage();
  let formats = null;
  // The locale numbers and times are written in. Some builds (Chromium with reduced ICU data)
  // call kk-KZ supported yet format it as the root locale (1,234.5; 2026 M11 30); Kazakh writes
  // numbers and numeric dates as Russian does (1 234,5; 30.11.2026), so ru-RU stands in then.
  function formatLocale() {
    const locale = LOCALES[lang];
    const sample = (tag) => new Intl.NumberFormat(tag).format(1234.5);
    return lang === 'kk' && sample(locale) === sample('und') ? 'ru-RU' : locale;
  }

  function makeFormats() {
    const locale = formatLocale();
    formats = {
      count: new Intl.NumberFormat(locale),
      percent: new Intl.NumberFormat(locale, {style: 'percent', minimumFractionDigits: 2,
                                              maximumFractionDigits: 2}),
      wholePercent: new Intl.NumberFormat(locale, {style: 'percent', maximumFractionDigits: 0}),
      decimal: new Intl.NumberFormat(locale, {minimumFractionDigits: 2, maximumFractionDigits: 2}),
      signed: new Intl.NumberFormat(locale, {minimumFractionDigits: 2, maximumFractionDigits: 2,
                                             signDisplay: 'exceptZero'}),
      signedCount: new Intl.NumberFormat(locale, {signDisplay: 'exceptZero'}),
      time: new Intl.DateTimeFormat(locale, {hour: '2-digit', minute: '2-digit', second: '2-digit'}),
      shortTime: new Intl.DateTimeFormat(locale, {hour: '2-digit', minute: '2-digit'}),
      // Numeric: month names are what a reduced ICU lacks first.
      dateTime: new Intl.DateTimeFormat(locale, {year: 'numeric', month: '2-digit', day: '2-digit',
                                                 hour: '2-digit', minute: '2-digit', second: '2-digit'}),
    };
  }
  makeFormats();

  const listeners = [];

  return {
    languages: Object.keys(TABLES),
    languageName: (code) => LANGUAGE_NAMES[code],
    get lang() { return lang; },
    get locale() { return LOCALES[lang]; },
    setLanguage(code) {
      if (!TABLES[code] || code === lang) return;
      lang = code;
      makeFormats();
      try { localStorage.setItem(STORAGE_KEY, code); } catch (e) { /* not remembered */ }
      for (const listener of listeners) listener(code);
    },
    onChange(listener) { listeners.push(listener); },
    // The label `key` in the current language, with {name} replaced by vars.name.
    t(key, vars) {
      const text = TABLES[lang][key] ?? en[key] ?? key;
      return text.replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
    },
    // One language's whole table (for the tests: every language has every key).
    table: (code) => TABLES[code],
    // Whether the tables have words for `key` (a reason code, say).
    has: (key) => key in en,
    // A registry name (Area, Contest, Option, Election) in the current language.
    name(item, fallback) {
      if (!item) return fallback || '';
      const names = item.localized_names || {};
      return names[lang] || item.name || fallback || '';
    },
    count: (v) => formats.count.format(Number(v || 0)),
    // v in percent (12.34 for 12.34 %), as the API gives shares.
    percent: (v) => formats.percent.format(Number(v || 0) / 100),
    wholePercent: (v) => formats.wholePercent.format(Number(v || 0) / 100),
    decimal: (v) => formats.decimal.format(Number(v || 0)),
    signed: (v) => formats.signed.format(Number(v || 0)),
    signedCount: (v) => formats.signedCount.format(Number(v || 0)),
    time: (date) => formats.time.format(date),
    shortTime: (date) => formats.shortTime.format(date),
    dateTime: (date) => formats.dateTime.format(date),
    // Every element marked data-i18n (its text), data-i18n-placeholder and data-i18n-label (its
    // aria-label) under `root`.
    translate(root) {
      for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = this.t(node.dataset.i18n);
      for (const node of root.querySelectorAll('[data-i18n-placeholder]')) {
        node.placeholder = this.t(node.dataset.i18nPlaceholder);
      }
      for (const node of root.querySelectorAll('[data-i18n-label]')) {
        node.setAttribute('aria-label', this.t(node.dataset.i18nLabel));
      }
    },
  };
})();

if (typeof module !== 'undefined') module.exports = HattamaI18n;
