//! hello-rust — a third-party style Uvian Worker plugin written in Rust, with no crates at all.
//!
//! It needs nothing but the ABI in Sources/PluginAPI/include/uvw_plugin.h, which the `abi` module
//! below mirrors by hand with `#[repr(C)]` types: no bindgen, no host library, no JSON library. This
//! is the proof that the ABI is language-neutral. It builds offline with Debian 12's packaged Rust
//! (rustc 1.63; `apt-get install cargo`) and with any newer toolchain. Build (or just run `make` in
//! this folder, which also copies the library to build/libhello-rust.so):
//!
//!   cargo build --release --offline        # -> target/release/libhello_rust.so
//!
//! and check that the only exported symbol is the entry point (rustc exports nothing else from a
//! cdylib but `#[no_mangle] pub extern "C"` functions, and this crate has exactly one):
//!
//!   nm -D --defined-only build/libhello-rust.so   # -> T uvw_plugin_entry_v1
//!
//! `cargo test` runs the unit tests at the bottom of this file (JSON reader, word count, the panic
//! guard against a fake host table).
//!
//! Task types:
//!   rust_echo        params: any JSON object.
//!                    result: {"echo": <params verbatim>, "plugin": "hello-rust"}.
//!   rust_word_count  params: {"text": string} (nothing else).
//!                    result: {"words": N, "chars": M}: N whitespace-separated tokens (Unicode
//!                    White_Space, as str::split_whitespace), M Unicode scalar values. Reports
//!                    progress 0.5 once the params are parsed and writes one info log line.
//!   Both also declare a self-test (ABI 1.2 example_params_json / example_result_json) that
//!   `uvian-worker plugin check` runs.
//!
//! init accepts a config object, optionally {"greeting": "..."} (logged once at info level); a
//! config that is not a JSON object is refused with UVW_ERR_UNSUPPORTED.
//!
//! ABI notes:
//!   * Built against header 1.2 and requires a 1.2 host (abi_minor_required = 2) because its
//!     self-test lives in the 1.2 task type members.
//!   * runtime = UVW_RUNTIME_RUST, so the host never dlclose()s it: Rust's std registers
//!     thread-local destructors and other process-wide state that must not be unmapped.
//!   * No panic ever crosses the boundary: every function the host can call runs its body inside
//!     std::panic::catch_unwind, and a caught panic becomes UVW_ERR_INTERNAL with the panic message
//!     (an unwinding panic out of an `extern "C"` fn is undefined behaviour in rustc 1.63 and an
//!     abort of the whole worker in newer ones). The default panic hook still prints the panic to
//!     stderr; installing a hook of our own would change the whole host process, so we don't.
//!     Cargo.toml therefore keeps panic = "unwind".
#![warn(unsafe_op_in_unsafe_fn)]

use std::any::Any;
use std::cell::Cell;
use std::mem::size_of;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use abi::*;

// ---------------------------------------------------------------------------------------------
// The ABI, mirrored from uvw_plugin.h. Same names, same field order, same types; read the header
// for the contract of each member. `Option<fn>` is the nullable function pointer of C: `None` is
// NULL, and it has exactly the size and ABI of a plain C function pointer.
// ---------------------------------------------------------------------------------------------
#[allow(non_camel_case_types)]
pub mod abi {
    use std::os::raw::{c_char, c_void};

    pub const UVW_ABI_MAJOR: u16 = 1;
    pub const UVW_ABI_MINOR: u16 = 2;

    /// A borrowed byte span (UTF-8 text or JSON). `ptr` may be NULL when `len` is 0.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct uvw_bytes {
        pub ptr: *const u8,
        pub len: usize,
    }

    pub type uvw_status = i32;
    pub const UVW_OK: uvw_status = 0;
    pub const UVW_PENDING: uvw_status = 1;
    pub const UVW_ERR_INVALID_PARAMS: uvw_status = 100;
    pub const UVW_ERR_CANCELLED: uvw_status = 101;
    pub const UVW_ERR_TIMEOUT: uvw_status = 102;
    pub const UVW_ERR_RETRYABLE: uvw_status = 103;
    pub const UVW_ERR_PERMANENT: uvw_status = 104;
    pub const UVW_ERR_INTERNAL: uvw_status = 105;
    pub const UVW_ERR_UNSUPPORTED: uvw_status = 106;

    pub const UVW_LOG_TRACE: i32 = 0;
    pub const UVW_LOG_DEBUG: i32 = 1;
    pub const UVW_LOG_INFO: i32 = 2;
    pub const UVW_LOG_NOTICE: i32 = 3;
    pub const UVW_LOG_WARNING: i32 = 4;
    pub const UVW_LOG_ERROR: i32 = 5;
    pub const UVW_LOG_CRITICAL: i32 = 6;

    pub const UVW_RUNTIME_C: u32 = 0;
    pub const UVW_RUNTIME_SWIFT: u32 = 1;
    pub const UVW_RUNTIME_RUST: u32 = 2;
    pub const UVW_RUNTIME_CXX: u32 = 3;
    pub const UVW_RUNTIME_GO: u32 = 4;
    pub const UVW_RUNTIME_OTHER: u32 = 255;

    pub const UVW_TASK_CANCELLABLE: u64 = 1 << 0;
    pub const UVW_TASK_REPORTS_PROGRESS: u64 = 1 << 1;
    pub const UVW_TASK_MAY_GO_ASYNC: u64 = 1 << 2;
    pub const UVW_TASK_BLOCKING: u64 = 1 << 3;

    /// The host's opaque handle for one running task; never dereferenced by the plugin.
    #[repr(C)]
    pub struct uvw_task {
        _opaque: [u8; 0],
    }

    pub type uvw_reply_fn = unsafe extern "C" fn(user: *mut c_void, response_json: uvw_bytes);

    /// The host table handed to init(). All members exist since 1.0.
    #[repr(C)]
    pub struct uvw_host_v1 {
        pub struct_size: u32,
        pub abi_major: u16,
        pub abi_minor: u16,
        pub host_ctx: *mut c_void,
        pub log: Option<unsafe extern "C" fn(host_ctx: *mut c_void, t: *mut uvw_task, level: i32, msg: uvw_bytes)>,
        pub is_cancelled: Option<unsafe extern "C" fn(t: *mut uvw_task) -> bool>,
        pub deadline_ms: Option<unsafe extern "C" fn(t: *mut uvw_task) -> i64>,
        pub progress: Option<unsafe extern "C" fn(t: *mut uvw_task, fraction: f64, note_json: uvw_bytes)>,
        pub emit: Option<unsafe extern "C" fn(t: *mut uvw_task, event: uvw_bytes, payload_json: uvw_bytes)>,
        pub invoke: Option<
            unsafe extern "C" fn(
                t: *mut uvw_task,
                method: uvw_bytes,
                request_json: uvw_bytes,
                reply: Option<uvw_reply_fn>,
                user: *mut c_void,
            ) -> uvw_status,
        >,
        pub complete: Option<unsafe extern "C" fn(t: *mut uvw_task, status: uvw_status, result_json: uvw_bytes, error: uvw_bytes)>,
    }

    /// One task type of the static descriptor. Strings are NUL-terminated.
    #[repr(C)]
    pub struct uvw_task_type_v1 {
        pub struct_size: u32,
        pub name: *const c_char,
        pub params_schema_json: *const c_char,
        pub max_concurrency: u32,
        pub flags: u64,
        // --- 1.1 ---
        pub description: *const c_char,
        // --- 1.2 ---
        pub example_params_json: *const c_char,
        pub example_result_json: *const c_char,
    }

    pub type uvw_init_fn = unsafe extern "C" fn(
        host: *const uvw_host_v1,
        config_json: uvw_bytes,
        state: *mut *mut c_void,
        err: *mut c_char,
        err_cap: usize,
    ) -> uvw_status;
    pub type uvw_shutdown_fn = unsafe extern "C" fn(state: *mut c_void);
    pub type uvw_execute_fn =
        unsafe extern "C" fn(state: *mut c_void, type_index: u32, t: *mut uvw_task, params_json: uvw_bytes) -> uvw_status;
    pub type uvw_cancel_fn = unsafe extern "C" fn(state: *mut c_void, t: *mut uvw_task);

    /// The plugin's static descriptor.
    #[repr(C)]
    pub struct uvw_plugin_v1 {
        pub struct_size: u32,
        pub abi_major: u16,
        pub abi_minor_required: u16,
        pub name: *const c_char,
        pub version: *const c_char,
        pub description: *const c_char,
        pub runtime: u32,
        pub task_type_count: u32,
        pub task_types: *const uvw_task_type_v1,
        pub init: Option<uvw_init_fn>,
        pub shutdown: Option<uvw_shutdown_fn>,
        pub execute: Option<uvw_execute_fn>,
        // --- 1.1 ---
        pub cancel: Option<uvw_cancel_fn>,
    }

    pub type uvw_plugin_entry_v1_fn = unsafe extern "C" fn() -> *const uvw_plugin_v1;

    // The layouts a C compiler gives the header on every 64-bit Linux target (LP64). A mistake in
    // the mirror above (a missing member, a wrong integer width) fails the build here.
    #[cfg(target_pointer_width = "64")]
    const _: () = {
        assert!(std::mem::size_of::<uvw_bytes>() == 16);
        assert!(std::mem::size_of::<uvw_host_v1>() == 72);
        assert!(std::mem::size_of::<uvw_task_type_v1>() == 64);
        assert!(std::mem::size_of::<uvw_plugin_v1>() == 80);
    };
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A NUL-terminated C string from a string literal, usable in statics. (`c"..."` literals would
/// need Rust 1.77.)
macro_rules! cstr {
    ($s:literal) => {
        concat!($s, "\0").as_ptr() as *const c_char
    };
}

/// Statics holding raw pointers are not `Sync`, so Rust refuses them. The descriptor is immutable
/// and only ever read, so sharing it between threads is sound.
struct Shared<T>(T);
unsafe impl<T> Sync for Shared<T> {}

fn bytes_of(s: &[u8]) -> uvw_bytes {
    uvw_bytes { ptr: s.as_ptr(), len: s.len() }
}

const NO_BYTES: uvw_bytes = uvw_bytes { ptr: ptr::null(), len: 0 };

/// Views a borrowed uvw_bytes as a slice (NULL or empty -> empty slice).
///
/// # Safety
/// `b` must describe readable memory that outlives `'a` (the host guarantees this for the call).
unsafe fn slice_of<'a>(b: uvw_bytes) -> &'a [u8] {
    if b.ptr.is_null() || b.len == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(b.ptr, b.len) }
    }
}

/// Writes `msg` into err[0..cap) NUL-terminated, truncated (at a UTF-8 boundary) to fit.
///
/// # Safety
/// `err` must be NULL or point to `cap` writable bytes.
unsafe fn write_err(err: *mut c_char, cap: usize, msg: &str) {
    if err.is_null() || cap == 0 {
        return;
    }
    let mut n = msg.len().min(cap - 1);
    while !msg.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: n + 1 <= cap bytes, and the caller's contract.
    unsafe {
        ptr::copy_nonoverlapping(msg.as_ptr(), err as *mut u8, n);
        *err.add(n) = 0;
    }
}

/// The text of a caught panic: panic!("literal") carries a &str, panic!("{}", x) a String.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "(a panic without a message)"
    }
}

// ---------------------------------------------------------------------------------------------
// Plugin state: created by init, freed by shutdown. Shared by concurrent execute calls, so it is
// only read, apart from an atomic counter.
// ---------------------------------------------------------------------------------------------
struct State {
    host: *const uvw_host_v1, // valid until shutdown() returns
    executed: AtomicU64,      // tasks started, over the plugin's lifetime
}

impl State {
    fn host(&self) -> &uvw_host_v1 {
        // SAFETY: init checked the pointer, and the host keeps the table alive until shutdown.
        unsafe { &*self.host }
    }

    fn log(&self, t: *mut uvw_task, level: i32, msg: &str) {
        let h = self.host();
        if let Some(log) = h.log {
            // SAFETY: a host function called as the header says; the host copies `msg`.
            unsafe { log(h.host_ctx, t, level, bytes_of(msg.as_bytes())) }
        }
    }
}

/// One running task: the handle plus a record of whether complete() was called, so that it is
/// called exactly once whatever happens (including a panic half-way through).
struct Task<'a> {
    state: &'a State,
    t: *mut uvw_task,
    completed: Cell<Option<uvw_status>>,
}

impl<'a> Task<'a> {
    fn new(state: &'a State, t: *mut uvw_task) -> Self {
        Task { state, t, completed: Cell::new(None) }
    }

    fn log(&self, level: i32, msg: &str) {
        self.state.log(self.t, level, msg);
    }

    fn progress(&self, fraction: f64) {
        let h = self.state.host();
        if let Some(progress) = h.progress {
            // SAFETY: the task is live until complete() below.
            unsafe { progress(self.t, fraction, NO_BYTES) }
        }
    }

    /// Calls host->complete (only the first time; later calls are ignored) and returns the status
    /// execute must return. The host copies `result` and `error`, so temporaries are fine.
    fn complete(&self, status: uvw_status, result: &[u8], error: &[u8]) -> uvw_status {
        if let Some(first) = self.completed.get() {
            return first;
        }
        self.completed.set(Some(status));
        let h = self.state.host();
        if let Some(complete) = h.complete {
            // SAFETY: the task is live; after this call the handle is dead and never used again.
            unsafe { complete(self.t, status, bytes_of(result), bytes_of(error)) }
        }
        status
    }

    fn succeed(&self, result_json: &[u8]) -> uvw_status {
        self.complete(UVW_OK, result_json, &[])
    }

    fn fail(&self, status: uvw_status, msg: &str) -> uvw_status {
        self.complete(status, &[], msg.as_bytes())
    }
}

/// Runs a task body with the panic guard: a panic that escapes `body` completes the task with
/// UVW_ERR_INTERNAL (unless it already completed, whose status then stands).
fn run_guarded(task: &Task, body: impl FnOnce(&Task) -> uvw_status) -> uvw_status {
    match catch_unwind(AssertUnwindSafe(|| body(task))) {
        Ok(status) => {
            // The header would fail a task that returns without completing; do it ourselves with
            // a clearer message (cannot happen with the task bodies below, all paths complete).
            if task.completed.get().is_none() {
                return task.fail(UVW_ERR_INTERNAL, "hello-rust: task returned without completing");
            }
            status
        }
        Err(payload) => {
            let msg = format!("hello-rust: panic: {}", panic_message(&*payload));
            task.fail(UVW_ERR_INTERNAL, &msg)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny JSON reader: exactly what this plugin needs (walk one object, decode strings, skip any
// other value) and strict about the grammar. Every read is bounds-checked, so any input yields an
// error message, never a crash. The host has already validated params against the schema; this is
// belt and braces. Errors say where: "invalid JSON at byte 7: expected ':'".
// ---------------------------------------------------------------------------------------------
const MAX_DEPTH: u32 = 128; // nesting limit for skipped values, so recursion stays shallow

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

type JsonResult<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn new(s: &'a [u8]) -> Self {
        Reader { s, i: 0 }
    }

    fn err<T>(&self, what: &str) -> JsonResult<T> {
        Err(format!("invalid JSON at byte {}: {}", self.i, what))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> JsonResult<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(what)
        }
    }

    /// Nothing but whitespace may follow the value.
    fn end(&mut self) -> JsonResult<()> {
        self.skip_ws();
        if self.i == self.s.len() {
            Ok(())
        } else {
            self.err("unexpected data after the value")
        }
    }

    fn hex4(&mut self) -> JsonResult<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return self.err("\\u needs four hex digits"),
            };
            self.i += 1;
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }

    /// A string at the cursor (after whitespace), decoded: \" \\ \/ \b \f \n \r \t and \uXXXX,
    /// where a UTF-16 surrogate pair makes one character and a lone surrogate is an error (a Rust
    /// String cannot hold it). Raw control characters must be escaped, and the bytes must be UTF-8.
    fn string(&mut self) -> JsonResult<String> {
        self.expect(b'"', "expected a string")?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = match self.next() {
                Some(c) => c,
                None => return self.err("unterminated string"),
            };
            match c {
                b'"' => break,
                b'\\' => {
                    let e = match self.next() {
                        Some(e) => e,
                        None => return self.err("unterminated string"),
                    };
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let scalar = match unit {
                                0xD800..=0xDBFF => {
                                    if !self.s[self.i..].starts_with(b"\\u") {
                                        return self.err("unpaired high surrogate");
                                    }
                                    self.i += 2;
                                    let low = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return self.err("high surrogate not followed by a low surrogate");
                                    }
                                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return self.err("unpaired low surrogate"),
                                _ => unit,
                            };
                            let ch = match char::from_u32(scalar) {
                                Some(ch) => ch,
                                None => return self.err("invalid \\u escape"),
                            };
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.i -= 1;
                            return self.err("invalid escape");
                        }
                    }
                }
                0x00..=0x1f => {
                    self.i -= 1;
                    return self.err("control character in a string (must be escaped)");
                }
                _ => out.push(c),
            }
        }
        match String::from_utf8(out) {
            Ok(s) => Ok(s),
            Err(_) => self.err("string is not valid UTF-8"),
        }
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    fn skip_number(&mut self) -> JsonResult<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return self.err("expected a value"),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("expected a digit after '.'");
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("expected a digit in the exponent");
            }
            self.skip_digits();
        }
        Ok(())
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    /// Skips (and validates) one value of any kind at the cursor.
    fn skip_value(&mut self, depth: u32) -> JsonResult<()> {
        if depth > MAX_DEPTH {
            return self.err("nested too deeply");
        }
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{') => self.object(depth, |_, r| r.skip_value(depth + 1)),
            Some(b'[') => {
                self.i += 1;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b']') => return Ok(()),
                        _ => {
                            self.i = self.i.saturating_sub(1);
                            return self.err("expected ',' or ']'");
                        }
                    }
                }
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    fn literal(&mut self, lit: &[u8]) -> JsonResult<()> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            self.err("expected a value")
        }
    }

    /// Walks the object at the cursor, calling `member(key, reader)` with the cursor on each
    /// member's value; `member` must consume that value.
    fn object(&mut self, depth: u32, mut member: impl FnMut(String, &mut Self) -> JsonResult<()>) -> JsonResult<()> {
        self.expect(b'{', "expected an object")?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a member name");
            }
            let key = self.string()?;
            self.expect(b':', "expected ':'")?;
            self.skip_ws();
            if depth > MAX_DEPTH {
                return self.err("nested too deeply");
            }
            member(key, self)?;
            self.skip_ws();
            match self.next() {
                Some(b',') => continue,
                Some(b'}') => return Ok(()),
                _ => {
                    self.i = self.i.saturating_sub(1);
                    return self.err("expected ',' or '}'");
                }
            }
        }
    }
}

/// The params of rust_word_count: {"text": string} and nothing else (the schema says
/// additionalProperties: false). A repeated "text" member counts the last one, as most parsers do.
fn parse_word_count_params(json: &[u8]) -> JsonResult<String> {
    let mut r = Reader::new(json);
    let mut text: Option<String> = None;
    r.object(0, |key, r| {
        if key != "text" {
            return Err(format!("unknown member \"{}\" (only \"text\" is allowed)", key.escape_debug()));
        }
        if r.peek() != Some(b'"') {
            r.skip_value(1)?; // a malformed value is reported as such
            return Err("\"text\" must be a string".to_string());
        }
        text = Some(r.string()?);
        Ok(())
    })?;
    r.end()?;
    match text {
        Some(text) => Ok(text),
        None => Err("missing the string member \"text\"".to_string()),
    }
}

/// init's config: a JSON object, optionally with {"greeting": string}; other members are ignored.
fn parse_config(json: &[u8]) -> JsonResult<Option<String>> {
    let mut r = Reader::new(json);
    r.skip_ws();
    if r.peek() != Some(b'{') {
        return Err("config must be a JSON object".to_string());
    }
    let mut greeting = None;
    r.object(0, |key, r| {
        if key == "greeting" {
            if r.peek() != Some(b'"') {
                r.skip_value(1)?; // a malformed value is reported as such
                return Err("\"greeting\" must be a string".to_string());
            }
            greeting = Some(r.string()?);
            Ok(())
        } else {
            r.skip_value(1)
        }
    })?;
    r.end()?;
    Ok(greeting)
}

/// Checks that `json` is exactly one JSON object (what rust_echo embeds must keep the result valid).
fn check_object(json: &[u8]) -> JsonResult<()> {
    let mut r = Reader::new(json);
    r.skip_ws();
    if r.peek() != Some(b'{') {
        return Err("params must be a JSON object".to_string());
    }
    r.skip_value(0)?;
    r.end()
}

/// (words, chars) of a text: whitespace-separated tokens, Unicode scalar values.
fn count_words_and_chars(text: &str) -> (usize, usize) {
    (text.split_whitespace().count(), text.chars().count())
}

// ---------------------------------------------------------------------------------------------
// Task types
// ---------------------------------------------------------------------------------------------
const TYPE_ECHO: u32 = 0;
const TYPE_WORD_COUNT: u32 = 1;

fn run_echo(task: &Task, params: &[u8]) -> uvw_status {
    if let Err(e) = check_object(params) {
        return task.fail(UVW_ERR_INVALID_PARAMS, &format!("rust_echo: {}", e));
    }
    const HEAD: &[u8] = b"{\"echo\":";
    const TAIL: &[u8] = b",\"plugin\":\"hello-rust\"}";
    let mut result = Vec::with_capacity(HEAD.len() + params.len() + TAIL.len());
    result.extend_from_slice(HEAD);
    result.extend_from_slice(params); // verbatim: no re-encoding, key order and spacing kept
    result.extend_from_slice(TAIL);
    task.succeed(&result) // the host copied it; `result` is freed on return
}

fn run_word_count(task: &Task, params: &[u8]) -> uvw_status {
    let text = match parse_word_count_params(params) {
        Ok(text) => text,
        Err(e) => {
            let msg = format!("rust_word_count: {}", e);
            task.log(UVW_LOG_INFO, &msg);
            return task.fail(UVW_ERR_INVALID_PARAMS, &msg);
        }
    };
    task.progress(0.5); // parsed: half way there
    let (words, chars) = count_words_and_chars(&text);
    task.log(UVW_LOG_INFO, &format!("rust_word_count: {} words, {} chars", words, chars));
    let result = format!("{{\"words\":{},\"chars\":{}}}", words, chars);
    task.succeed(result.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// The plugin functions. Each is a thin `unsafe extern "C"` shell around catch_unwind.
// ---------------------------------------------------------------------------------------------
unsafe extern "C" fn plugin_init(
    host: *const uvw_host_v1,
    config_json: uvw_bytes,
    state: *mut *mut c_void,
    err: *mut c_char,
    err_cap: usize,
) -> uvw_status {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(), (uvw_status, String)> {
        // Every host function used here exists since 1.0; still, never trust a table blindly.
        // (The 1.0 table ends with `complete`, so covering the whole struct is UVW_HAS_FIELD(complete).)
        // SAFETY: NULL or the host's table, valid until shutdown.
        let h = match unsafe { host.as_ref() } {
            Some(h) => h,
            None => return Err((UVW_ERR_UNSUPPORTED, "hello-rust: no host table".to_string())),
        };
        if h.abi_major != UVW_ABI_MAJOR
            || (h.struct_size as usize) < size_of::<uvw_host_v1>()
            || h.log.is_none()
            || h.progress.is_none()
            || h.complete.is_none()
        {
            return Err((UVW_ERR_UNSUPPORTED, "hello-rust: host table too old or missing".to_string()));
        }
        if state.is_null() {
            return Err((UVW_ERR_INTERNAL, "hello-rust: state pointer is NULL".to_string()));
        }
        // SAFETY: borrowed for this call; parse_config copies what it keeps.
        let config = unsafe { slice_of(config_json) };
        let greeting = match parse_config(config) {
            Ok(g) => g,
            Err(e) => return Err((UVW_ERR_UNSUPPORTED, format!("hello-rust: {}", e))),
        };
        let st = Box::new(State { host, executed: AtomicU64::new(0) });
        if let Some(greeting) = greeting {
            st.log(ptr::null_mut(), UVW_LOG_INFO, &format!("hello-rust says: {}", greeting));
        }
        // SAFETY: checked non-NULL above; ownership passes to the host until shutdown().
        unsafe { *state = Box::into_raw(st) as *mut c_void };
        Ok(())
    }));
    let (status, msg) = match outcome {
        Ok(Ok(())) => return UVW_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => (UVW_ERR_INTERNAL, format!("hello-rust: panic in init: {}", panic_message(&*payload))),
    };
    // SAFETY: the host's err buffer of err_cap bytes (or NULL).
    unsafe { write_err(err, err_cap, &msg) };
    status
}

unsafe extern "C" fn plugin_shutdown(state: *mut c_void) {
    if state.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the Box that init leaked; the host calls shutdown once, after every task.
        let st = unsafe { Box::from_raw(state as *mut State) };
        let line = format!("hello-rust shutting down after {} tasks", st.executed.load(Ordering::Relaxed));
        st.log(ptr::null_mut(), UVW_LOG_DEBUG, &line);
        drop(st); // freed here (or during unwinding, should the log line panic)
    }));
}

unsafe extern "C" fn plugin_execute(state: *mut c_void, type_index: u32, t: *mut uvw_task, params_json: uvw_bytes) -> uvw_status {
    // Without a state there is no host table to complete through; returning an error status
    // fails the task all the same. Cannot happen with a host that follows the header.
    // SAFETY: NULL or the State from init, alive until shutdown (after every task).
    let st = match unsafe { (state as *const State).as_ref() } {
        Some(st) => st,
        None => return UVW_ERR_INTERNAL,
    };
    let task = Task::new(st, t);
    run_guarded(&task, |task| {
        st.executed.fetch_add(1, Ordering::Relaxed);
        // SAFETY: borrowed for the duration of this call, which is all we use it for.
        let params = unsafe { slice_of(params_json) };
        match type_index {
            TYPE_ECHO => run_echo(task, params),
            TYPE_WORD_COUNT => run_word_count(task, params),
            _ => task.fail(UVW_ERR_INTERNAL, "hello-rust: unknown task type index"),
        }
    })
}

/// Both task types finish synchronously within microseconds and never return UVW_PENDING, so a
/// cancel always arrives when there is nothing left to stop: this is a documented no-op. It may race
/// with execute and complete, so it must not touch `t` (possibly dead already); doing nothing is
/// trivially safe and idempotent. A long-running task would look up its own work by `t` here and
/// set a flag that its loop polls, alongside host->is_cancelled().
unsafe extern "C" fn plugin_cancel(state: *mut c_void, t: *mut uvw_task) {
    let _ = catch_unwind(|| {
        let _ = (state, t);
    });
}

// ---------------------------------------------------------------------------------------------
// The descriptor: static, immutable, returned by the one exported function.
// ---------------------------------------------------------------------------------------------
const TASK_TYPE_COUNT: usize = 2;

static TASK_TYPES: Shared<[uvw_task_type_v1; TASK_TYPE_COUNT]> = Shared([
    uvw_task_type_v1 {
        struct_size: size_of::<uvw_task_type_v1>() as u32,
        name: cstr!("rust_echo"),
        params_schema_json: cstr!(r#"{"type":"object"}"#),
        max_concurrency: 0,
        flags: 0,
        description: cstr!(r#"Returns {"echo": <params verbatim>, "plugin": "hello-rust"}."#),
        example_params_json: cstr!(r#"{"greeting":"hi","n":[1,2.5,null,true],"nested":{"s":"a\"b"}}"#),
        example_result_json: cstr!(
            r#"{"echo":{"greeting":"hi","n":[1,2.5,null,true],"nested":{"s":"a\"b"}},"plugin":"hello-rust"}"#
        ),
    },
    uvw_task_type_v1 {
        struct_size: size_of::<uvw_task_type_v1>() as u32,
        name: cstr!("rust_word_count"),
        params_schema_json: cstr!(
            r#"{"type":"object","properties":{"text":{"type":"string"}},"required":["text"],"additionalProperties":false}"#
        ),
        max_concurrency: 0,
        flags: UVW_TASK_REPORTS_PROGRESS,
        description: cstr!("Counts the whitespace-separated words and the Unicode characters of params.text."),
        // "héllo  wörld\n😀" written with escapes: 3 words, 14 characters.
        example_params_json: cstr!(r#"{"text":"h\u00e9llo  w\u00f6rld\n\ud83d\ude00"}"#),
        example_result_json: cstr!(r#"{"words":3,"chars":14}"#),
    },
]);

static PLUGIN: Shared<uvw_plugin_v1> = Shared(uvw_plugin_v1 {
    struct_size: size_of::<uvw_plugin_v1>() as u32,
    abi_major: UVW_ABI_MAJOR,
    abi_minor_required: 2, // the self-test lives in the 1.2 members
    name: cstr!("hello-rust"),
    version: cstr!("1.0.0"),
    description: cstr!("Example plugin in Rust (no crates): rust_echo and rust_word_count."),
    runtime: UVW_RUNTIME_RUST,
    task_type_count: TASK_TYPE_COUNT as u32,
    task_types: &TASK_TYPES.0 as *const [uvw_task_type_v1; TASK_TYPE_COUNT] as *const uvw_task_type_v1,
    init: Some(plugin_init),
    shutdown: Some(plugin_shutdown),
    execute: Some(plugin_execute),
    cancel: Some(plugin_cancel),
});

/// The only export. Side-effect free; returns a pointer to static data.
#[no_mangle]
pub extern "C" fn uvw_plugin_entry_v1() -> *const uvw_plugin_v1 {
    catch_unwind(|| &PLUGIN.0 as *const uvw_plugin_v1).unwrap_or(ptr::null())
}

// ---------------------------------------------------------------------------------------------
// Unit tests (`cargo test`): the JSON reader, the counts, and the panic guard against a fake host.
// ---------------------------------------------------------------------------------------------
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let text = parse_word_count_params(br#" { "text" : "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u20AC" } "#).unwrap();
        assert_eq!(text, "a\"b\\c/d\u{8}\u{c}\n\r\t\u{e9}\u{1F600}\u{20AC}");
        assert_eq!(parse_word_count_params("{\"text\":\"grüße\"}".as_bytes()).unwrap(), "grüße");
        assert_eq!(parse_word_count_params(br#"{"text":""}"#).unwrap(), "");
    }

    #[test]
    fn rejects_bad_params() {
        for bad in [
            &b""[..],
            b"[]",
            b"{}",
            b"{\"text\":1}",
            b"{\"text\":\"a\",\"x\":1}",
            b"{\"text\":\"a\"",
            b"{\"text\":\"a\"} x",
            b"{\"text\":\"\\ud83d\"}",
            b"{\"text\":\"\\ude00\"}",
            b"{\"text\":\"\\ud83d\\u0041\"}",
            b"{\"text\":\"\\x\"}",
            b"{\"text\":\"\\u12\"}",
            b"{\"text\":\"a\nb\"}",
            b"{\"text\":\"\xff\"}",
            b"{text:\"a\"}",
        ] {
            assert!(parse_word_count_params(bad).is_err(), "accepted {:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn counts_words_and_chars() {
        assert_eq!(count_words_and_chars(""), (0, 0));
        assert_eq!(count_words_and_chars("  hello \t world\n"), (2, 16));
        assert_eq!(count_words_and_chars("héllo  wörld\n😀"), (3, 14));
    }

    #[test]
    fn checks_objects_and_config() {
        assert!(check_object(br#" {"a":[1,-2.5e+3,{"b":null}],"c":true,"d":false} "#).is_ok());
        for bad in [&b"[]"[..], b"{", b"{\"a\":01}", b"{\"a\":1.}", b"{\"a\":tru}", b"{\"a\":[1,]}", b"{} {}"] {
            assert!(check_object(bad).is_err(), "accepted {:?}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(500), "]".repeat(500));
        assert!(check_object(deep.as_bytes()).is_err());
        assert_eq!(parse_config(b"{}").unwrap(), None);
        assert_eq!(parse_config(br#"{"x":{"y":[1]},"greeting":"hej"}"#).unwrap(), Some("hej".to_string()));
        assert!(parse_config(b"[]").is_err());
        assert!(parse_config(br#"{"greeting":1}"#).is_err());
    }

    #[test]
    fn write_err_truncates_at_a_char_boundary() {
        let mut buf = [0x55 as c_char; 6];
        unsafe { write_err(buf.as_mut_ptr(), buf.len(), "abcé-long") };
        let bytes: Vec<u8> = buf.iter().map(|&c| c as u8).collect();
        assert_eq!(&bytes[..], b"abc\xc3\xa9\0"); // 5 bytes fit: "abcé" and the NUL
        let mut small = [0x55 as c_char; 5];
        unsafe { write_err(small.as_mut_ptr(), small.len(), "abcé") };
        assert_eq!(small[3], 0); // "é" would not fit whole
    }

    // A fake host that records complete() calls.
    static COMPLETIONS: Mutex<Vec<(uvw_status, String)>> = Mutex::new(Vec::new());

    unsafe extern "C" fn fake_complete(_t: *mut uvw_task, status: uvw_status, _result: uvw_bytes, error: uvw_bytes) {
        let msg = String::from_utf8_lossy(unsafe { slice_of(error) }).into_owned();
        COMPLETIONS.lock().unwrap().push((status, msg));
    }

    #[test]
    fn a_panic_completes_the_task_once_with_internal() {
        let host = uvw_host_v1 {
            struct_size: size_of::<uvw_host_v1>() as u32,
            abi_major: 1,
            abi_minor: 2,
            host_ctx: ptr::null_mut(),
            log: None,
            is_cancelled: None,
            deadline_ms: None,
            progress: None,
            emit: None,
            invoke: None,
            complete: Some(fake_complete),
        };
        let st = State { host: &host, executed: AtomicU64::new(0) };

        let task = Task::new(&st, ptr::null_mut());
        let status = run_guarded(&task, |_| panic!("boom {}", 42));
        assert_eq!(status, UVW_ERR_INTERNAL);

        let task = Task::new(&st, ptr::null_mut());
        let status = run_guarded(&task, |task| {
            task.succeed(b"{}");
            panic!("after complete");
        });
        assert_eq!(status, UVW_OK); // the first completion stands; no second complete()

        let task = Task::new(&st, ptr::null_mut());
        assert_eq!(run_guarded(&task, |_| UVW_OK), UVW_ERR_INTERNAL); // forgot to complete

        let calls = COMPLETIONS.lock().unwrap().clone();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0], (UVW_ERR_INTERNAL, "hello-rust: panic: boom 42".to_string()));
        assert_eq!(calls[1], (UVW_OK, String::new()));
        assert_eq!(calls[2].0, UVW_ERR_INTERNAL);
    }
}
