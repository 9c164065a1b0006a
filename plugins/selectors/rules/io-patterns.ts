/**
 * Code that reads or writes files or talks to the network, by language: the `io` rule set of
 * `selector:rules`. Infinity Instruct (arXiv 2506.11116, Phase 1) removes such samples from its
 * foundational pool by heuristic rules, since their answers cannot be checked without the outside
 * world; the lists below are our choice, one call or import per entry, written so that prose rarely
 * matches (a call needs its parenthesis, a module its qualified name).
 */
export const IO_PATTERNS: Readonly<Record<string, readonly string[]>> = {
  python: [
    String.raw`(?<![\w.])open\(\s*(?:f?['"]|[A-Za-z_])`,
    String.raw`\b(?:io|os|gzip|bz2|lzma|codecs|tarfile|zipfile|Image|h5py|aiofiles)\.open\(`,
    String.raw`\brequests\.(?:get|post|put|patch|delete|head|options|request|Session)\(`,
    String.raw`\burllib(?:2|3)?\.(?:request|urlopen|PoolManager)`,
    String.raw`\burlopen\(`,
    String.raw`\bsocket\.(?:socket|create_connection|create_server)\(`,
    String.raw`\bhttp\.(?:client|server)\b`,
    String.raw`\b(?:httpx|aiohttp)\.\w+\(`,
    String.raw`\b(?:ftplib|smtplib|paramiko|telnetlib|imaplib|poplib)\b`,
    String.raw`\bos\.(?:remove|unlink|rename|mkdir|makedirs|rmdir|listdir|scandir|walk)\(`,
    String.raw`\bshutil\.(?:copy\w*|move|rmtree)\(`,
    String.raw`\.(?:read_text|write_text|read_bytes|write_bytes)\(`,
    String.raw`\b(?:pd|pandas)\.read_(?:csv|json|excel|parquet|sql)\(`,
    String.raw`\.to_(?:csv|excel|parquet)\(`,
  ],
  javascript: [
    String.raw`\brequire\(\s*['"](?:node:)?(?:fs|fs/promises|http|https|net|dgram|tls|http2)['"]\s*\)`,
    String.raw`\bfrom\s+['"](?:node:)?(?:fs|fs/promises|http|https|net|dgram|tls|http2)['"]`,
    String.raw`\bfs\.(?:promises\.)?(?:readFile|writeFile|appendFile|createReadStream|createWriteStream|readdir|open|unlink|mkdir|rm)(?:Sync)?\(`,
    String.raw`(?<![\w.])fetch\(`,
    String.raw`\bnew\s+(?:XMLHttpRequest|WebSocket|EventSource)\(`,
    String.raw`\baxios(?:\.(?:get|post|put|patch|delete|request))?\(`,
    String.raw`\b(?:http|https)\.(?:get|request|createServer)\(`,
    String.raw`\bnet\.(?:connect|createConnection|createServer)\(`,
  ],
  java: [
    String.raw`\bnew\s+(?:FileReader|FileWriter|FileInputStream|FileOutputStream|RandomAccessFile|PrintWriter\(\s*new\s+File|Socket|ServerSocket|URL)\(`,
    String.raw`\bFiles\.(?:readAllLines|readAllBytes|readString|lines|write|writeString|newBufferedReader|newBufferedWriter|copy|move|delete)\(`,
    String.raw`\b(?:HttpClient|HttpURLConnection|URLConnection)\b`,
  ],
  c_cpp: [
    String.raw`\bf(?:open|reopen)\(`,
    String.raw`\bstd::(?:i|o)?fstream\b`,
    String.raw`(?<![\w:])(?:i|o)fstream\s+\w+`,
    String.raw`\bsocket\(\s*(?:AF_INET|AF_INET6|PF_INET|AF_UNIX)`,
    String.raw`\bcurl_easy_\w+\(`,
  ],
  go: [
    String.raw`\bos\.(?:Open|OpenFile|Create|ReadFile|WriteFile|Remove|RemoveAll|Mkdir|MkdirAll|ReadDir)\(`,
    String.raw`\b(?:ioutil)\.(?:ReadFile|WriteFile|ReadDir|ReadAll)\(`,
    String.raw`\bhttp\.(?:Get|Post|PostForm|Head|NewRequest|ListenAndServe)\(`,
    String.raw`\bnet\.(?:Dial|DialTimeout|Listen|ListenPacket)\(`,
  ],
  rust: [
    String.raw`\bstd::(?:fs|net)\b`,
    String.raw`\bFile::(?:open|create)\(`,
    String.raw`\bfs::(?:read_to_string|read|write|remove_file|create_dir_all|read_dir)\(`,
    String.raw`\b(?:TcpStream|TcpListener|UdpSocket)::(?:connect|bind)\(`,
    String.raw`\breqwest::`,
  ],
  php: [String.raw`\b(?:file_get_contents|file_put_contents|fsockopen|curl_init|curl_exec)\(`],
  shell: [String.raw`\b(?:curl|wget)\s+(?:-\S+\s+)*['"]?(?:https?|ftp)://`],
};

/** Every pattern of {@link IO_PATTERNS} as one alternation (one scan per text). */
export function ioRegExp(): RegExp {
  return new RegExp(Object.values(IO_PATTERNS).flat().map((p) => `(?:${p})`).join('|'));
}
