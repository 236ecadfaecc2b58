// The tile-grid cartogram: one equal tile an area, placed roughly where the region lies (the
// three cities of republican significance beside their regions), coloured by a measure; a
// region's districts as a grid of the same tiles. Inline SVG drawn here: no map service.
'use strict';

const HattamaMap = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const W = 100, H = 74, GAP = 6;
  // [column, row] of each region by the last part of its id (kz-<slug>): north at the top.
  const LAYOUT = {
    'west-kazakhstan': [0, 0], 'north-kazakhstan': [3, 0], 'pavlodar': [4, 0],
    'atyrau': [0, 1], 'aktobe': [1, 1], 'kostanay': [2, 1], 'akmola': [3, 1], 'astana': [4, 1],
    'abai': [5, 1], 'east-kazakhstan': [6, 1],
    'mangystau': [0, 2], 'kyzylorda': [1, 2], 'ulytau': [2, 2], 'karaganda': [3, 2],
    'jetisu': [5, 2],
    'turkistan': [2, 3], 'jambyl': [3, 3], 'almaty-region': [4, 3],
    'shymkent': [2, 4], 'almaty': [4, 4],
  };
  // Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), one a list
  // in the contest's order.
  const LIST_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00',
                        '#F0E442', '#999999'];
  const SEQUENTIAL = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];
  const DIVERGING = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];
  const NO_DATA = '#e4e7eb';
  // Class edges of coverage (percent) and of the difference (points): fixed, so that colours
  // compare over the night. Turnout's follow the areas shown (edgesOf).
  const EDGES = {coverage: [20, 40, 60, 80], difference: [-2, -0.5, 0.5, 2]};

  // Turnout: five classes of whole percents spanning the values on the map, so that differences
  // between areas show whatever the country's level.
  function edgesOf(measure, values) {
    if (EDGES[measure]) return EDGES[measure];
    if (!values.length) return [20, 40, 60, 80];
    const lo = Math.floor(Math.min(...values));
    const step = Math.max(1, Math.ceil((Math.ceil(Math.max(...values)) - lo) / 5));
    return [1, 2, 3, 4].map((i) => lo + i * step);
  }

  // Relative luminance and contrast (WCAG 2): tile text is black or white, whichever contrasts
  // more with its fill (at least 4.5:1 for any fill).
  function luminance(hex) {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function textOn(fill) {
    const l = luminance(fill);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
  }

  function node(tag, attrs, ...children) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    for (const child of children) n.append(child);
    return n;
  }

  // A name in at most three lines of about 14 characters, broken at spaces and after hyphens.
  function lines(name) {
    const words = name.replace(/-/g, '-\u0000').split(/[\s\u0000]+/).filter(Boolean);
    const out = [];
    for (const word of words) {
      const last = out.length - 1;
      const joiner = last >= 0 && out[last].endsWith('-') ? '' : ' ';
      if (last >= 0 && (out[last] + joiner + word).length <= 14) out[last] += joiner + word;
      else out.push(word);
    }
    if (out.length > 3) out.splice(2, out.length - 2, `${out[2]}…`);
    return out;
  }

  const num = (v) => Number(v || 0);

  // The value of `measure` for one area and its words, with the colour of the leading list or of
  // no data; `value` (a number) to be classed otherwise.
  function valueOf(measure, item, listIndex) {
    const t = item.totals;
    const i18n = HattamaI18n;
    if (!t || num(t.stations_registered) === 0) return {fill: NO_DATA, text: '–', words: i18n.t('notHeld')};
    if (measure === 'leader') {
      const top = [...(t.options || [])].sort((a, b) => num(b.votes) - num(a.votes))[0];
      if (!top || !num(top.votes)) return {fill: NO_DATA, text: '–', words: i18n.t('noData')};
      const at = listIndex(top.option_id);
      return {fill: LIST_COLOURS[at % LIST_COLOURS.length], text: i18n.percent(top.share_percent),
              words: `${i18n.t('measureLeader')} ${item.optionName(top.option_id)}, ` +
                     `${i18n.percent(top.share_percent)}`, key: top.option_id};
    }
    let value;
    if (measure === 'turnout') {
      if (!num(t.stations_reporting)) return {fill: NO_DATA, text: '–', words: i18n.t('noData')};
      value = num(t.turnout_percent);
    } else if (measure === 'coverage') {
      value = 100 * num(t.stations_reporting) / num(t.stations_registered);
    } else {
      const o = item.official;
      if (!o || !num(o.stations_reporting) || !num(t.stations_reporting)) {
        return {fill: NO_DATA, text: '–', words: i18n.t('noData')};
      }
      value = num(o.turnout_percent) - num(t.turnout_percent);
    }
    const text = measure === 'difference' ? i18n.t('points', {v: i18n.signed(value)}) : i18n.percent(value);
    return {value, text, words: text};
  }
  const colourOf = (measure, value, edges) =>
      (measure === 'difference' ? DIVERGING : SEQUENTIAL)[edges.filter((e) => value >= e).length];

  // The legend's entries for `measure`: [colour, words].
  function legendOf(measure, options, edges) {
    const i18n = HattamaI18n;
    const noData = [NO_DATA, i18n.t('noData')];
    if (measure === 'leader') {
      return [...options.map((o, i) => [LIST_COLOURS[i % LIST_COLOURS.length], o.label]), noData];
    }
    const colours = measure === 'difference' ? DIVERGING : SEQUENTIAL;
    const show = (v) => (measure === 'difference' ? i18n.t('points', {v: i18n.signed(v)})
                                                  : i18n.wholePercent(v));
    return [...colours.map((c, i) => {
      if (i === 0) return [c, `< ${show(edges[0])}`];
      if (i === edges.length) return [c, `≥ ${show(edges[i - 1])}`];
      return [c, `${show(edges[i - 1])} … ${show(edges[i])}`];
    }), noData];
  }

  // Where each item's tile goes: by LAYOUT for regions it knows, the others (and districts) row
  // by row after them.
  function place(items, geographic) {
    const spots = [];
    let columns = geographic ? 7 : Math.max(3, Math.min(8, Math.ceil(Math.sqrt(items.length * 2))));
    let used = 0;
    if (geographic) {
      for (const item of items) {
        const at = LAYOUT[item.area.area_id.replace(/^[^-]*-/, '')];
        if (at) used = Math.max(used, at[1] + 1);
      }
    }
    let next = 0;
    for (const item of items) {
      const at = geographic && LAYOUT[item.area.area_id.replace(/^[^-]*-/, '')];
      if (at) {
        spots.push(at);
      } else {
        spots.push([next % columns, used + Math.floor(next / columns)]);
        ++next;
      }
    }
    const rows = Math.max(1, ...spots.map(([, r]) => r + 1));
    columns = Math.max(...spots.map(([c]) => c + 1), 1);
    return {spots, columns, rows};
  }

  // Draws `items` ({area, totals, official, name, optionName}) into `svgBox` and the legend into
  // `legendBox`. onSelect(area_id) on a click, Enter or Space. `current` is outlined.
  function draw(svgBox, legendBox, {items, measure, options, label, current, geographic, onSelect}) {
    const index = new Map(options.map((o, i) => [o.option_id, i]));
    const listIndex = (id) => (index.has(id) ? index.get(id) : options.length);
    const {spots, columns, rows} = place(items, geographic);
    const width = columns * (W + GAP) - GAP, height = rows * (H + GAP) - GAP;
    const svg = node('svg', {viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': label,
                             class: 'tilemap', 'data-measure': measure,
                             style: `max-width:${Math.max(width, 360)}px`});
    const values = items.map((item) => valueOf(measure, item, listIndex));
    const edges = edgesOf(measure, values.filter((v) => v.value !== undefined).map((v) => v.value));
    for (const v of values) if (v.value !== undefined) v.fill = colourOf(measure, v.value, edges);
    items.forEach((item, i) => {
      const [c, r] = spots[i];
      const v = values[i];
      const ink = textOn(v.fill);
      const name = item.name;
      const tile = node('g', {class: `tile${item.area.area_id === current ? ' current' : ''}`,
                              transform: `translate(${c * (W + GAP)},${r * (H + GAP)})`,
                              tabindex: '0', role: 'button', 'data-area': item.area.area_id,
                              'data-fill': v.fill, 'aria-label': HattamaI18n.t('tileLabel', {name, value: v.words})},
        node('title', {}, `${name}: ${v.words}`),
        node('rect', {width: W, height: H, rx: 6, fill: v.fill, class: 'tile-box'}));
      const nameLines = lines(name);
      nameLines.forEach((line, k) => {
        // A long word (Кызылординская) is narrowed to the tile rather than cut.
        const fit = line.length * 7 > W - 12 ? {textLength: W - 12, lengthAdjust: 'spacingAndGlyphs'} : {};
        tile.append(node('text', {x: 6, y: 15 + k * 13, fill: ink, class: 'tile-name', ...fit}, line));
      });
      tile.append(node('text', {x: 6, y: H - 8, fill: ink, class: 'tile-value'}, v.text));
      const select = () => onSelect(item.area.area_id);
      tile.addEventListener('click', select);
      tile.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          select();
        }
      });
      svg.append(tile);
    });
    svgBox.replaceChildren(svg);
    const entries = legendOf(measure, options, edges);
    legendBox.replaceChildren(...entries.map(([colour, words]) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour;
      li.append(swatch, words);
      return li;
    }));
  }

  return {draw, LIST_COLOURS, listColour: (i) => LIST_COLOURS[i % LIST_COLOURS.length], textOn};
})();
