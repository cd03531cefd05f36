// vlae serve: the interactive rate-distortion page on a sweep (and optionally a collapse study).
#include <ATen/Parallel.h>
#include <cstdio>
#include <httplib.h>

#include "apps/commands.h"
#include "serve/demo.h"
#include "serve/server.h"
#include "util/error.h"

namespace vlae {

namespace {

struct ServeFlags {
  std::vector<std::string> transform_runs;
  std::string sweep, study, host = "127.0.0.1", web = std::string(VLAE_SOURCE_DIR) + "/web";
  int port = 8080;
  size_t max_body = 64 * 1024;
};

void run_serve(const ServeFlags& f) {
  if (f.port < 0 || f.port > 65535) throw InputError("--port: expected 0..65535");
  // One intra-op thread per request; requests run side by side on the server's worker threads.
  at::set_num_threads(1);
  const Demo demo = Demo::load(f.sweep, f.study, f.transform_runs);
  httplib::Server srv;
  ServerLimits limits;
  limits.max_body_bytes = f.max_body;
  install_routes(srv, demo, f.web, limits);
  const int port = f.port == 0 ? srv.bind_to_any_port(f.host) : (srv.bind_to_port(f.host, f.port) ? f.port : -1);
  if (port < 0) throw InputError("--host/--port: cannot listen on " + f.host + ":" + std::to_string(f.port));
  std::printf("vlae serve: %zu models from %s%s%s\nopen http://%s:%d/  (Ctrl-C stops)\n", demo.models.size(),
              f.sweep.c_str(), f.study.empty() ? "" : (", study " + f.study).c_str(),
              demo.transforms.empty() ? "" : (", " + std::to_string(demo.transforms.size()) + " transform coders").c_str(),
              f.host.c_str(), port);
  std::fflush(stdout);
  srv.listen_after_bind();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand("serve", "Serve the interactive rate-distortion page on a sweep's models");
  cmd->add_option("--sweep", f->sweep, "sweep directory (vlae sweep --out)")->required();
  cmd->add_option("--study", f->study, "collapse study directory (vlae study collapse --out)");
  cmd->add_option("--transform-run", f->transform_runs,
                  "a transform coder's run (--model factorized | hyperprior) to code the sweep's test images with and "
                  "draw beside it; repeatable");
  cmd->add_option("--host", f->host, "address to bind (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", f->port, "port (0: any free port)");
  cmd->add_option("--web", f->web, "folder of the page's files");
  cmd->add_option("--max-body", f->max_body, "largest request body in bytes");
  cmd->callback([f] { run_serve(*f); });
}

}  // namespace vlae
