// What every alert of the mixin shares: its severity from the config, and its runbook in the README.
{
  alert(config, name):: {
    alert: name,
    labels: { severity: config.severities[name] },
    annotations: {
      runbook_url: config.runbookURLPattern % std.asciiLower(name),
    },
  },
}
