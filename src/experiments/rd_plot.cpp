#include "experiments/rd_plot.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/atomic_file.h"

namespace vlae {

std::string plot_rate_distortion(const std::string& dir, const nlohmann::json& results) {
  {
    std::ofstream vae(dir + "/rd_vae.dat");
    vae << "# bits_per_pixel psnr_db kl_bits_per_pixel beta rate_nats distortion_nats\n";
    for (const auto& m : results.at("models"))
      vae << m.at("bits_per_pixel").get<double>() << " " << m.at("psnr_db").get<double>() << " "
          << m.at("kl_bits_per_pixel").get<double>() << " " << m.at("beta").get<double>() << " "
          << m.at("rate_nats").get<double>() << " " << m.at("distortion_nats").get<double>() << "\n";
  }
  {
    // The relative-entropy code of each beta, when the sweep made one (an empty file otherwise).
    std::ofstream rec(dir + "/rd_vae_rec.dat");
    rec << "# bits_per_pixel psnr_db beta\n";
    for (const auto& m : results.at("models"))
      if (m.contains("rec"))
        rec << m["rec"].at("bits_per_pixel").get<double>() << " " << m["rec"].at("psnr_db").get<double>() << " "
            << m.at("beta").get<double>() << "\n";
  }
  for (const char* codec : {"jpeg", "webp", "jpegxl", "avif"})
    for (const char* form : {"files", "atlas"}) {
      std::ofstream f(dir + "/rd_" + codec + "_" + form + ".dat");
      f << "# bits_per_pixel psnr_db quality\n";
      for (const auto& p : results.at("baselines"))
        if (p.at("codec") == codec && p.at("form") == form)
          f << p.at("bits_per_pixel").get<double>() << " " << p.at("psnr_db").get<double>() << " "
            << p.at("quality").get<int>() << "\n";
    }
  const std::string script = dir + "/rd.gp";
  {
    std::ofstream gp(script);
    gp << "set datafile commentschars '#'\n"
          "do for [fmt in 'pngcairo svg'] {\n"
          "  if (fmt eq 'svg') { set terminal svg size 1400,560 dynamic font 'Sans,12'; set output 'rd.svg' }\n"
          "  else { set terminal pngcairo size 1400,560 font 'Sans,11'; set output 'rd.png' }\n"
          "  set multiplot layout 1,2 title '" << results.value("title", std::string("rate-distortion")) << "'\n"
          "  set grid; set key bottom right\n"
          "  set xlabel 'bits per pixel'; set ylabel 'PSNR (dB)'; set xrange [0:1]\n"
          "  plot 'rd_vae.dat' u 1:2 w lp lw 2 pt 7 lc rgb '#1f4fbf' t 'vlae lossy codec (actual file)', \\\n"
          "       'rd_vae.dat' u 3:2 w lp dt 2 pt 6 t 'VAE at its KL rate (ideal)', \\\n"
          "       'rd_vae_rec.dat' u 1:2 w lp lw 2 pt 3 t 'VAE relative-entropy code (a sample of q)', \\\n"
          "       'rd_jpeg_atlas.dat' u 1:2 w lp pt 5 t 'JPEG (atlas)', 'rd_jpeg_files.dat' u 1:2 w lp dt 3 pt 4 t 'JPEG (per file)', \\\n"
          "       'rd_webp_atlas.dat' u 1:2 w lp pt 9 t 'WebP (atlas)', 'rd_webp_files.dat' u 1:2 w lp dt 3 pt 8 t 'WebP (per file)', \\\n"
          "       'rd_jpegxl_atlas.dat' u 1:2 w lp lw 2 pt 13 t 'JPEG XL (atlas)', \\\n"
          "       'rd_avif_atlas.dat' u 1:2 w lp lw 2 pt 11 lc rgb '#c0392b' t 'AVIF (atlas)'\n"
          "  set xrange [*:*]; set key top right\n"
          "  set xlabel 'rate KL(q(z|x)||p(z)) (nats/image)'; set ylabel 'distortion E_q[-log p(x|z)] (nats/image)'\n"
          "  plot 'rd_vae.dat' u 5:6 w lp lw 2 pt 7 t 'beta sweep', '' u 5:6:(sprintf('beta=%g', $4)) w labels offset 2,1 notitle\n"
          "  unset multiplot\n"
          "}\n";
  }
  const std::string cmd = "cd '" + dir + "' && gnuplot rd.gp 2> rd.gp.log";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("gnuplot failed (see " + dir + "/rd.gp.log)");
  return dir + "/rd.png";
}

}  // namespace vlae
