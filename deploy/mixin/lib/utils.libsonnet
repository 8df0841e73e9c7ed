// Helpers shared by the alerts, the recording rules and the dashboard.
{
  // series writes a metric with its label matchers, leaving out empty ones (an empty selector),
  // and writes no braces when none is left, as a person would.
  series(name, matchers=[])::
    local kept = std.filter(function(m) m != '', matchers);
    if kept == [] then name else '%s{%s}' % [name, std.join(',', kept)],

  // labelNames lists the label names a selector matches on ('job="a",env=~"p.*"' gives job and
  // env), so an aggregation can keep them and a query with the selector still finds its result.
  // Commas and operators inside quoted values are skipped.
  labelNames(selector)::
    local step(state, ch) =
      if state.quoted then state { quoted: !(ch == '"' && !state.escaped), escaped: !state.escaped && ch == '\\' }
      else if ch == '"' then state { quoted: true, escaped: false, taking: false }
      else if ch == ',' then state { names: state.names + [''], taking: true }
      else if state.taking && std.member('=!~', ch) then state { taking: false }
      else if state.taking then state { names: state.names[:std.length(state.names) - 1] + [state.names[std.length(state.names) - 1] + ch] }
      else state;
    local names = std.foldl(step, std.stringChars(selector), { quoted: false, escaped: false, taking: true, names: [''] }).names;
    std.filter(function(n) n != '', [std.stripChars(n, ' \t\n') for n in names]),

  // by writes an aggregation's grouping: the given labels, then those of the selector.
  by(labels, selector):: 'by (%s)' % std.join(', ', labels + [n for n in self.labelNames(selector) if !std.member(labels, n)]),

  // humanize says a one-unit Prometheus duration in words ('15m' is '15 minutes', '1h' is 'an
  // hour'), so a description always says the duration its rule uses.
  humanize(duration)::
    local names = {
      s: ['a second', 'seconds'],
      m: ['a minute', 'minutes'],
      h: ['an hour', 'hours'],
      d: ['a day', 'days'],
      w: ['a week', 'weeks'],
    };
    local unit = duration[std.length(duration) - 1];
    local digits = std.substr(duration, 0, std.length(duration) - 1);
    assert std.objectHas(names, unit) && std.length(digits) > 0 && std.all([std.member('0123456789', d) for d in std.stringChars(digits)])
           : 'duration %s: want a whole number and one unit of s, m, h, d or w' % duration;
    local n = std.parseInt(digits);
    if n == 1 then names[unit][0] else '%d %s' % [n, names[unit][1]],
}
