"""Identity service: instansi, unit kerja, jabatan tree, pegawai (NIP), assignments and the supervisor chain."""
