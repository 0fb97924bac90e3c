// interview_guard Live tab: browser capture (camera + microphone, or a shared tab with its audio).
// Runs as gr.HTML js_on_load: `element` is this component, `server` holds its Python functions.
// Frames: canvas -> JPEG data URL (toDataURL, 0.7) at FPS; audio: AudioWorklet -> 16 kHz Int16,
// 0.5 s chunks, base64. Every payload carries this capture's own session id (sid).
(() => {
  const FPS = 5, MAX_W = 640, IN_FLIGHT = 2, CHUNK = 8000, RATE = 16000;
  const root = element.querySelector('.ig-live-capture') || element;
  const statusEl = root.querySelector('.ig-live-cstatus');
  const preview = root.querySelector('video.ig-live-preview');
  const st = {sid: null, stream: null, timer: null, t0: 0, inflight: 0, sent: 0, skipped: 0, failed: 0,
              audio: null, audioT0: null, chunks: 0, stopping: false, lastErr: ''};

  function say(msg) { if (statusEl) statusEl.textContent = msg; }
  function newSid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.from(a, b => b.toString(16).padStart(2, '0')).join('');
  }
  function now() { return (performance.now() - st.t0) / 1000; }
  function tell(sid, message) {
    try { server.live_client_error({sid: sid, message: String(message).slice(0, 300)}); } catch (e) { /* ignore */ }
  }
  function b64(buf) {
    const u8 = new Uint8Array(buf); let s = '';
    for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
    return btoa(s);
  }

  async function acquire(source) {
    if (!navigator.mediaDevices) {
      throw new Error('this page is not a secure context, so the browser offers no camera or screen capture: ' +
                      'open the app over https or on 127.0.0.1 / localhost');
    }
    if (source === 'tab') {
      return navigator.mediaDevices.getDisplayMedia({video: {frameRate: 10}, audio: true, selfBrowserSurface: 'exclude',
                                                      surfaceSwitching: 'include', systemAudio: 'include'});
    }
    return navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480},
                                                audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false,
                                                        autoGainControl: false}});
  }

  // Frame ticks come from a worker: a hidden tab (the interviewer looking at the shared meeting)
  // throttles main-thread timers to 1 Hz or less, a dedicated worker's timers are not.
  function ticker(ms, fn) {
    try {
      const url = URL.createObjectURL(new Blob([`setInterval(() => postMessage(0), ${ms});`],
                                               {type: 'application/javascript'}));
      const w = new Worker(url);
      URL.revokeObjectURL(url);
      w.onmessage = fn;
      return {stop: () => w.terminate()};
    } catch (e) {
      const id = setInterval(fn, ms);
      return {stop: () => clearInterval(id)};
    }
  }

  function releaseMedia() {
    if (st.timer) { st.timer.stop(); st.timer = null; }
    if (st.audio) { try { st.audio.ctx.close(); } catch (e) { /* ignore */ } st.audio = null; }
    if (st.stream) { st.stream.getTracks().forEach(t => t.stop()); st.stream = null; }
    if (preview) { preview.srcObject = null; }
  }

  function startVideo(sid) {
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d');
    st.timer = ticker(1000 / FPS, () => {
      if (st.sid !== sid || !preview || preview.readyState < 2 || !preview.videoWidth) return;
      if (st.inflight >= IN_FLIGHT) { st.skipped++; return; }
      const scale = Math.min(1, MAX_W / preview.videoWidth);
      const w = Math.round(preview.videoWidth * scale), h = Math.round(preview.videoHeight * scale);
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      ctx.drawImage(preview, 0, 0, w, h);
      const t = now();
      const jpeg = canvas.toDataURL('image/jpeg', 0.7);  // synchronous: toBlob stalls on tab capture
      st.inflight++;
      server.live_frame({sid: sid, t: t, jpeg: jpeg}).then(r => {
        if (r && r.error) { st.failed++; st.lastErr = r.error; } else { st.sent++; }
      }).catch(e => { st.failed++; st.lastErr = String(e); }).finally(() => {
        st.inflight--;
        if (st.sid === sid && !st.stopping) {
          say(`Sending: ${st.sent} frames, ${st.chunks} audio chunks` +
              (st.skipped ? `, ${st.skipped} skipped to keep up` : '') +
              (st.failed ? ` — ${st.failed} not accepted (${st.lastErr})` : ''));
        }
      });
    });
  }

  const WORKLET = `
    class IgPcm16k extends AudioWorkletProcessor {
      constructor() { super(); this.ratio = sampleRate / ${RATE}; this.pos = 0; this.buf = new Int16Array(${CHUNK}); this.n = 0; }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        if (!ch) return true;
        for (; this.pos < ch.length; this.pos += this.ratio) {
          const i = Math.floor(this.pos), f = this.pos - i, a = ch[i], b = i + 1 < ch.length ? ch[i + 1] : a;
          let v = a + (b - a) * f; v = v < -1 ? -1 : (v > 1 ? 1 : v);
          this.buf[this.n++] = v < 0 ? v * 32768 : v * 32767;
          if (this.n === ${CHUNK}) { this.port.postMessage(this.buf.buffer, [this.buf.buffer]); this.buf = new Int16Array(${CHUNK}); this.n = 0; }
        }
        this.pos -= ch.length;
        return true;
      }
    }
    registerProcessor('ig-pcm16k', IgPcm16k);`;

  async function startAudio(sid, stream) {
    if (!stream.getAudioTracks().length) { tell(sid, 'The shared source has no audio track: only video is analysed.'); return; }
    let ctx;
    try { ctx = new AudioContext({sampleRate: RATE}); } catch (e) { ctx = new AudioContext(); }
    const url = URL.createObjectURL(new Blob([WORKLET], {type: 'application/javascript'}));
    await ctx.audioWorklet.addModule(url);
    URL.revokeObjectURL(url);
    const src = ctx.createMediaStreamSource(new MediaStream(stream.getAudioTracks()));
    const node = new AudioWorkletNode(ctx, 'ig-pcm16k');
    const mute = ctx.createGain(); mute.gain.value = 0;
    src.connect(node); node.connect(mute); mute.connect(ctx.destination);
    st.audio = {ctx: ctx, node: node};
    st.audioT0 = null;
    node.port.onmessage = (ev) => {
      if (st.sid !== sid) return;
      if (st.audioT0 === null) st.audioT0 = Math.max(0, now() - CHUNK / RATE);
      const t = st.audioT0 + st.chunks * CHUNK / RATE;
      st.chunks++;
      server.live_audio({sid: sid, t: t, pcm16: b64(ev.data)}).then(r => {
        if (r && r.error) { st.failed++; st.lastErr = r.error; }
      }).catch(e => { st.failed++; st.lastErr = String(e); });
    };
    if (ctx.state !== 'running') { try { await ctx.resume(); } catch (e) { /* ignore */ } }
  }

  async function run(sid, source) {
    say(source === 'tab' ? 'Choose the meeting tab to share (tick "Share tab audio")…'
                         : 'Asking the browser for the camera and microphone…');
    let stream;
    try {
      stream = await acquire(source);
    } catch (e) {
      const msg = `The browser did not give ${source === 'tab' ? 'a shared tab' : 'the camera / microphone'}: ` +
                  (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e));
      say(msg); tell(sid, msg); return;
    }
    if (st.sid !== sid) { stream.getTracks().forEach(t => t.stop()); return; }
    st.stream = stream;
    stream.getVideoTracks().forEach(t => t.addEventListener('ended', () => {
      if (st.sid === sid && !st.stopping) { const m = 'The shared video ended (sharing was stopped in the browser).'; say(m); tell(sid, m); }
    }));
    say('Waiting for the server to open the session…');
    let ready = null;
    for (let i = 0; i < 30 && st.sid === sid; i++) {
      try { ready = await server.live_ready({sid: sid}); } catch (e) { ready = null; }
      if (ready && (ready.ok || ready.error)) break;
    }
    if (st.sid !== sid) return;
    if (!ready || !ready.ok) {
      say((ready && ready.error) || 'The server did not open the session.');
      releaseMedia(); st.sid = null; return;
    }
    preview.srcObject = stream;
    try { await preview.play(); } catch (e) { /* muted autoplay is allowed */ }
    st.t0 = performance.now();
    st.sent = st.skipped = st.failed = st.chunks = 0;
    startVideo(sid);
    try { await startAudio(sid, stream); } catch (e) { tell(sid, 'Audio capture could not start: ' + e); }
    say('Sending…');
  }

  const api = {
    begin(consent, source) {
      api.end(true);
      const sid = newSid();
      st.sid = sid; st.stopping = false;
      if (!consent) { say('Nothing is captured without the candidate\'s consent.'); return sid; }
      if (source === 'camera' || source === 'tab') run(sid, source);
      else say('Waiting for the stream pushed to the address shown in the panel.');
      return sid;
    },
    end(quiet) {
      st.stopping = true;
      const had = !!st.stream;
      releaseMedia();
      st.sid = null;
      if (!quiet) say(had ? `Stopped: ${st.sent} frames and ${st.chunks} audio chunks sent.` : 'Stopped.');
    },
    stats() { return {sid: st.sid, sent: st.sent, skipped: st.skipped, failed: st.failed, chunks: st.chunks}; },
  };
  window.__interviewGuardLive = api;
})();
