{
  "targets": [
    {
      "target_name": "parley_pocketsphinx",
      "sources": ["parley_pocketsphinx.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # Without SWALLOW_UNTHROWABLE, a decode that completes while its worker_thread
      # is being terminated throws past node-addon-api and aborts the process.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "<!@(pkg-config --cflags pocketsphinx)"],
      "libraries": ["<!@(pkg-config --libs pocketsphinx)"]
    }
  ]
}
