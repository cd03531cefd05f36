#include "serve/server.h"

#include <filesystem>
#include <httplib.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "serve/demo.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {

void send_json(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

}  // namespace

void install_routes(httplib::Server& srv, const Demo& demo, const std::string& web_dir, const ServerLimits& limits) {
  // The page's files, read once: only these names are served, so no path reaches the file system.
  auto files = std::make_shared<std::map<std::string, std::pair<std::string, std::string>>>();
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"index.html", "text/html; charset=utf-8"},
           {"app.js", "text/javascript; charset=utf-8"},
           {"style.css", "text/css; charset=utf-8"}}) {
    const std::string path = web_dir + "/" + name;
    if (!fs::exists(path)) throw InputError(path + ": the page's file is missing (--web DIR)");
    (*files)["/" + name] = {read_file(path), type};
  }
  (*files)["/"] = (*files)["/index.html"];
  for (const auto& [route, body] : *files) {
    srv.Get(route, [files, route = route](const httplib::Request&, httplib::Response& res) {
      const auto& f = files->at(route);
      res.set_content(f.first, f.second.c_str());
    });
  }
  auto models = std::make_shared<std::string>(demo.models_json().dump());
  srv.Get("/api/models", [models](const httplib::Request&, httplib::Response& res) {
    res.set_content(*models, "application/json");
  });
  srv.Post("/api/reconstruct", [&demo](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::exception&) {
      return send_error(res, 400, "the body is not valid JSON");
    }
    if (!body.is_object()) return send_error(res, 400, "the body must be a JSON object");
    try {
      // "model": an integer is an index, a float a beta ({"model": 4.0}); or "beta": any number.
      const DemoModel& m = body.contains("beta") ? demo.pick_beta(body["beta"]) : demo.pick(body.value("model", nlohmann::json(0)));
      const Images x = demo.request_image(body);
      const auto codec = body.value("codec", nlohmann::json("grid"));
      const auto sample = body.value("sample", nlohmann::json(false));
      if (!codec.is_string()) return send_error(res, 400, "\"codec\" must be \"grid\" or \"rec\"");
      if (!sample.is_boolean()) return send_error(res, 400, "\"sample\" must be true or false");
      send_json(res, 200, demo.reconstruct(m, x, codec.get<std::string>(), sample.get<bool>()));
    } catch (const InputError& e) {
      send_error(res, 400, e.what());
    }
  });
  // Study figures: only the names in the study's results and the three figure files.
  if (demo.study) {
    auto figs = std::make_shared<std::map<std::string, std::string>>();
    for (const auto& m : demo.study->models)
      for (const char* f : {"lossy_code", "samples", "reconstructions"}) {
        const std::string& name = m.name;
        const std::string path = demo.study_dir + "/" + name + "/" + f + ".png";
        if (fs::exists(path)) (*figs)["/study/" + name + "/" + f + ".png"] = read_file(path);
      }
    srv.Get(R"(/study/[A-Za-z0-9_.-]+/[a-z_]+\.png)", [figs](const httplib::Request& req, httplib::Response& res) {
      const auto it = figs->find(req.path);
      if (it == figs->end()) return send_error(res, 404, "no such figure: " + req.path);
      res.set_content(it->second, "image/png");
    });
  }
  srv.set_payload_max_length(limits.max_body_bytes);
  // Responses go out in several writes; without TCP_NODELAY, Nagle's algorithm meets the browser's
  // delayed ACK and every request waits for it (docs/RESULTS.md, "The interactive demo", has the figures).
  srv.set_tcp_nodelay(true);
  srv.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already wrote its JSON error
    const std::string what = res.status == 404   ? "not found: " + req.method + " " + req.path
                             : res.status == 413 ? "request body too large"
                             : res.status == 405 ? "method not allowed"
                                                 : "bad request";
    send_error(res, res.status, what);
  });
  srv.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const InputError& e) {
      send_error(res, 400, e.what());
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      send_error(res, 500, "internal error");
    }
  });
}

}  // namespace vlae
