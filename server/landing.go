package server

import (
	"net/http"

	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
)

// Landing builds the page at /: what this is, a /probe form, and links to what answers.
func Landing(metricsPath string) (http.Handler, error) {
	return web.NewLandingPage(web.LandingConfig{
		Name:        "MongoDB Atlas Restore Job Exporter",
		Description: "Prometheus exporter for MongoDB Atlas backup restore jobs",
		Version:     version.Info(),
		// pprof is not mounted: links to it would answer 404.
		Profiling: "false",
		Form: web.LandingForm{
			Action: "/probe",
			Inputs: []web.LandingFormInput{
				{Label: "Project (group) ID", Type: "text", Name: "target", Placeholder: "5a66666887d9d61443b41645"},
				{Label: "Cluster name (optional)", Type: "text", Name: "cluster_name", Placeholder: "Cluster0"},
			},
		},
		Links: []web.LandingLinks{
			{Address: metricsPath, Text: "Metrics"},
			{Address: "/-/healthy", Text: "Health"},
			{Address: "/-/ready", Text: "Readiness"},
		},
	})
}
