// The demo's HTTP server (cpp-httplib): the page's static files and the JSON API.
//   GET  /                  the page (web/index.html; app.js and style.css beside it)
//   GET  /api/models        the sweep's models (and the study's), with the JPEG/WebP points
//   POST /api/reconstruct   {"model": index | beta, "image": test index | "pixels": [...]}
//   GET  /study/NAME/F.png  a study model's figure (F: lossy_code, samples, reconstructions)
// Errors are JSON {"error": "..."} with a 4xx status (5xx only for a bug). Request bodies are capped;
// the models are read-only, so requests run concurrently without locks.
#pragma once
#include <cstddef>
#include <string>

namespace httplib {
class Server;
}

namespace vlae {

struct Demo;

struct ServerLimits {
  size_t max_body_bytes = 64 * 1024;  // a 28x28 image as JSON is ~4 KB
};

// Installs every route on `srv`; the page's files are read from `web_dir` now (InputError if absent).
void install_routes(httplib::Server& srv, const Demo& demo, const std::string& web_dir, const ServerLimits& limits);

}  // namespace vlae
